/**
 * "Show me the code": an actor's equivalent, runnable program for its current settings, in
 * TypeScript with amqplib or in Python with pika. Pure: the text only, nothing is run or written.
 */
import { bodyParts, type Language, type ProgramInput } from './model.js';
import { pythonProgram } from './python.js';
import { typescriptProgram } from './typescript.js';

export {
  type Language,
  languageLabel,
  type ProgramInput,
  parseLanguage,
  programFileName,
  summary,
} from './model.js';

export function generateProgram(input: ProgramInput, language: Language): string {
  const { actor } = input;
  const parts = actor.kind === 'producer' ? bodyParts(actor.body, actor) : [];
  return language === 'typescript' ? typescriptProgram(input, parts) : pythonProgram(input, parts);
}
