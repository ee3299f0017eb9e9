import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { isNode, LineCounter, parseDocument } from '../vendor/yaml.js';
import type * as z from '../vendor/zod.js';
import { ScenarioError } from './scenario-error.js';
import { type Scenario, scenarioSchema } from './schema.js';

export { ScenarioError };

type PathKey = string | number;

function formatPath(keys: readonly PathKey[]): string {
  let out = '';
  for (const key of keys) {
    out += typeof key === 'number' ? `[${key}]` : out === '' ? key : `.${key}`;
  }
  return out === '' ? '(top level)' : out;
}

/** Line of the deepest node along `keys` that exists in the document (1-based). */
function lineOf(
  doc: ReturnType<typeof parseDocument>,
  counter: LineCounter,
  keys: readonly PathKey[],
): number {
  for (let depth = keys.length; depth >= 0; depth--) {
    const node = doc.getIn(keys.slice(0, depth), true);
    if (isNode(node) && node.range) {
      return counter.linePos(node.range[0]).line;
    }
  }
  return 1;
}

function describeIssue(issue: z.core.$ZodIssue): string {
  if (issue.code === 'unrecognized_keys') {
    return `unknown field${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((k) => `'${k}'`).join(', ')}`;
  }
  if (issue.code === 'invalid_type' && issue.input === undefined) {
    return `is required (${issue.expected})`;
  }
  return issue.message;
}

/** Parse and validate scenario text; `file` is only used in error messages. */
export function parseScenario(text: string, file: string): Scenario {
  const counter = new LineCounter();
  const doc = parseDocument(text, { lineCounter: counter, prettyErrors: false });
  const yamlError = doc.errors[0];
  if (yamlError) {
    // linePos is only filled in with prettyErrors, which would also put a code excerpt in the
    // message; the offset is always there.
    const line = yamlError.linePos?.[0].line ?? counter.linePos(yamlError.pos[0]).line;
    const reason = yamlError.message.split('\n')[0] ?? 'invalid YAML';
    throw new ScenarioError(`${file}:${line}: not valid YAML: ${reason}`);
  }
  const data: unknown = doc.toJS();
  if (data === null || typeof data !== 'object' || Array.isArray(data)) {
    throw new ScenarioError(`${file}:1: a scenario file must be a YAML mapping (name, title, …)`);
  }
  const result = scenarioSchema.safeParse(data);
  if (!result.success) {
    // Every problem, in the order of the file, each once.
    const problems = result.error.issues
      .map((issue) => {
        const keys = issue.path.filter((k): k is PathKey => typeof k !== 'symbol');
        const line = lineOf(doc, counter, keys);
        return { line, text: `${file}:${line}: ${formatPath(keys)}: ${describeIssue(issue)}` };
      })
      .sort((a, b) => a.line - b.line);
    const texts = [...new Set(problems.map((p) => p.text))];
    throw new ScenarioError(texts.length > 0 ? texts : [`${file}:1: invalid scenario`]);
  }
  return result.data;
}

export async function loadScenarioFile(file: string): Promise<Scenario> {
  const shown = path.relative(process.cwd(), file) || file;
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new ScenarioError(`${shown}: no such scenario file.`);
    if (code === 'EISDIR')
      throw new ScenarioError(`${shown}: is a directory, not a scenario file.`);
    throw new ScenarioError(
      `${shown}: cannot read the scenario file (${code ?? 'unknown error'}).`,
    );
  }
  return parseScenario(text, shown);
}
