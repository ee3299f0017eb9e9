/**
 * "Show me the code": an actor's equivalent, runnable program for its current settings, in
 * TypeScript with amqplib or in Python with pika. Pure: the text only, nothing is run or written.
 */
import { bodyParts, type Emitter, type Language, type ProgramInput } from './model.js';
import { python } from './python.js';
import { typescript } from './typescript.js';

export {
  type Language,
  languageLabel,
  type ProgramInput,
  parseLanguage,
  programFileName,
} from './model.js';
export { summary } from './prose.js';

const emitters: Record<Language, Emitter> = { typescript, python };

export function generateProgram(input: ProgramInput, language: Language): string {
  const { actor } = input;
  const emit = emitters[language];
  const lines =
    actor.kind === 'consumer'
      ? emit.consumer(input, actor)
      : actor.http
        ? emit.httpBridge(input, actor)
        : actor.rpc
          ? emit.rpcClient(input, actor, bodyParts(actor.body, actor))
          : emit.producer(input, actor, bodyParts(actor.body, actor));
  return `${lines.join('\n')}\n`;
}
