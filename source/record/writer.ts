/**
 * Writes a run's record (`--record file.ndjson`) through a buffered stream: the session hands it
 * a line per event, the stream gathers what arrives while a write is under way into one write.
 * The file is opened (and replaced) before the session starts, so a path that cannot be written
 * fails at once; close() adds the end line and waits until everything is on disk.
 */
import { createWriteStream, rmSync, type WriteStream } from 'node:fs';
import { redact } from '../broker/url.js';
import { UsageError } from '../errors.js';
import type { RecordLine } from './format.js';

/** Why a file cannot be written, in a few words (`its folder does not exist`). */
export function writeProblem(error: unknown): string {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  switch (code) {
    case 'ENOENT':
      return 'its folder does not exist';
    case 'EACCES':
    case 'EPERM':
      return 'permission denied';
    case 'EISDIR':
      return 'it is a folder';
    case 'EROFS':
      return 'the file system is read-only';
    case 'ENOSPC':
      return 'the disk is full';
    default:
      return error instanceof Error ? error.message.replace(/\.$/, '') : String(error);
  }
}

/**
 * Each string on its own: redacting the serialised line could reach across strings. Passwords in
 * URLs go, and so does the HTTP endpoints' bearer token (a notice shows it on the screen).
 */
function redactUrls(_key: string, value: unknown): unknown {
  if (typeof value !== 'string') return value;
  const url = value.includes('://') ? redact(value) : value;
  return url.includes('Bearer ') ? url.replace(/Bearer [^\s']+/g, 'Bearer ***') : url;
}

export class RecordWriter {
  private lines = 0;
  private failure: string | undefined;
  private closing: Promise<string | undefined> | undefined;

  private constructor(
    private readonly stream: WriteStream,
    readonly file: string,
  ) {
    stream.on('error', (error) => {
      this.failure ??= writeProblem(error);
    });
  }

  /** Open (create or replace) the file; a UsageError saying why when it cannot be written. */
  static open(file: string): Promise<RecordWriter> {
    return new Promise((resolve, reject) => {
      const stream = createWriteStream(file, { flags: 'w', highWaterMark: 1 << 20 });
      const failed = (error: unknown) => {
        reject(new UsageError(`Cannot write the record to ${file}: ${writeProblem(error)}.`));
      };
      stream.once('error', failed);
      stream.once('open', () => {
        stream.off('error', failed);
        resolve(new RecordWriter(stream, file));
      });
    });
  }

  /** One line; never a password (URLs in its strings are redacted). */
  readonly write = (line: RecordLine): void => {
    if (this.closing || this.failure !== undefined) return;
    this.lines++;
    this.stream.write(`${JSON.stringify(line, redactUrls)}\n`);
  };

  /**
   * Add the end line, flush and close. A record with no line (the run never reached a session)
   * is removed. Resolves with why writing failed, if it did. Safe to call twice.
   */
  close(): Promise<string | undefined> {
    this.closing ??= new Promise((resolve) => {
      const empty = this.lines === 0;
      if (!empty && this.failure === undefined) {
        this.lines++;
        this.stream.write(
          `${JSON.stringify({ type: 'end', at: Date.now(), lines: this.lines })}\n`,
        );
      }
      const done = () => {
        if (empty) rmSync(this.file, { force: true });
        resolve(this.failure);
      };
      if (this.stream.destroyed) done();
      else {
        this.stream.once('close', done);
        this.stream.end();
      }
    });
    return this.closing;
  }
}
