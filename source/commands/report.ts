/**
 * `rabbit-lab report file.ndjson [--json] [--html page.html]`: replay a record written with
 * --record and print the report headless mode printed for that run (and, with --html, write it
 * as a page). A damaged record is one sentence naming the file and the line (exit 2, no page); a
 * record cut short before its report still gives one, with a notice (exit 1).
 */
import { createReadStream } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { UsageError } from '../errors.js';
import { renderReport } from '../lab/lab-report.js';
import type { Report } from '../lab/report.js';
import { parseHeader, RecordFormatError, Replay, type ReplayResult } from '../record/format.js';
import { writeProblem } from '../record/writer.js';
import { recordPage } from '../report-html/page.js';

interface Line {
  readonly text: string;
  /** 1-based. */
  readonly n: number;
  /** Ends with a newline (the last line of a record cut short mid-write does not). */
  readonly terminated: boolean;
}

/** The file's lines, read in large chunks (a long run's record is tens of megabytes). */
async function* readLines(file: string): AsyncGenerator<Line> {
  const stream = createReadStream(file, { encoding: 'utf8', highWaterMark: 1 << 20 });
  let rest = '';
  let n = 0;
  for await (const chunk of stream) {
    rest += String(chunk);
    let start = 0;
    for (let end = rest.indexOf('\n'); end >= 0; end = rest.indexOf('\n', start)) {
      n++;
      yield { text: rest.slice(start, end), n, terminated: true };
      start = end + 1;
    }
    rest = rest.slice(start);
  }
  if (rest.length > 0) yield { text: rest, n: n + 1, terminated: false };
}

function readProblem(error: unknown): string | undefined {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  if (code === 'ENOENT') return 'no such file';
  if (code === 'EACCES' || code === 'EPERM') return 'permission denied';
  if (code === 'EISDIR') return 'it is a folder';
  return code === undefined ? undefined : (error as Error).message;
}

/** What `report --html` says on stderr once the page is written (stdout keeps the report). */
export function pageWritten(html: string, bytes: number): string {
  const kb = Math.max(1, Math.round(bytes / 1024));
  return `rabbit-lab: wrote ${html} (${kb} KB, self-contained): open it in a browser.\n`;
}

/** Write the page for the replayed run; a path that cannot be written is one sentence. */
async function writePage(
  html: string,
  replay: Replay,
  result: ReplayResult,
  report: Report,
): Promise<number> {
  const page = recordPage(replay.header, result, report);
  try {
    await writeFile(html, page);
  } catch (error) {
    throw new UsageError(`Cannot write the page to ${html}: ${writeProblem(error)}.`);
  }
  return Buffer.byteLength(page);
}

export interface ReportOptions {
  /** Also write the report as a self-contained HTML page to this file. */
  readonly html?: string;
}

export async function reportCommand(
  file: string,
  json: boolean,
  stdout: NodeJS.WritableStream,
  stderr: NodeJS.WritableStream,
  options: ReportOptions = {},
): Promise<number> {
  if (options.html !== undefined && path.resolve(options.html) === path.resolve(file)) {
    throw new UsageError(
      `--html ${options.html} would replace the record itself; name another file.`,
    );
  }
  let replay: Replay | undefined;
  /** A last line cut off mid-write. */
  let partial: number | undefined;
  try {
    for await (const line of readLines(file)) {
      if (line.text.trim() === '') continue;
      let value: unknown;
      try {
        value = JSON.parse(line.text);
      } catch {
        if (replay && !line.terminated) {
          partial = line.n;
          break;
        }
        throw new RecordFormatError(
          line.n,
          replay
            ? 'not valid JSON: the record is damaged'
            : 'not a rabbit-lab record (its first line is not JSON; write one with --record)',
        );
      }
      if (replay) replay.add(value, line.n);
      else replay = new Replay(parseHeader(value, line.n));
    }
  } catch (error) {
    if (error instanceof RecordFormatError) {
      throw new UsageError(`${file}:${error.line}: ${error.message}.`);
    }
    const problem = readProblem(error);
    if (problem !== undefined) throw new UsageError(`Cannot read ${file}: ${problem}.`);
    throw error;
  }
  if (!replay) throw new UsageError(`${file}: the file is empty; it is not a rabbit-lab record.`);
  const result = replay.result();
  const stopsAt = partial ?? result.lastLine;
  let { report } = result;
  let cutShort = false;
  if (result.reportLine === undefined) {
    cutShort = true;
    report = {
      ...report,
      notices: [
        ...report.notices,
        `The record stops at line ${stopsAt} without its report line: the run was cut short, so this report covers what was recorded until then.`,
      ],
    };
  }
  if (options.html !== undefined) {
    const bytes = await writePage(options.html, replay, result, report);
    stderr.write(pageWritten(options.html, bytes));
  }
  if (!cutShort && result.endLine === undefined) {
    stderr.write(
      `rabbit-lab: ${file}:${stopsAt}: the record stops without its end line (the run was cut short while it shut down); the report, taken at line ${result.reportLine}, is complete.\n`,
    );
  }
  stdout.write(renderReport(report, json));
  return report.ok && !cutShort ? 0 : 1;
}
