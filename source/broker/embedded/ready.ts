/** Waiting until the node answers, and a reason from its logs when it does not. */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { ManagementClient } from '../management-client.js';
import { answersAmqp } from '../ports.js';
import { fileLayout, listenerPorts, type NodePlan } from './config.js';
import { sleep } from './proc.js';
import type { Exit } from './spawn.js';
import { BrokerStartError } from './types.js';

const POLL_INTERVAL_MS = 150;
const PROGRESS_INTERVAL_MS = 500;

/** The management API answers and lists our AMQP listener, which answers AMQP. */
async function probeReady(plan: NodePlan, client: ManagementClient): Promise<string | undefined> {
  const overview = await client.listeners().catch(() => undefined);
  const listens = (protocol: string, port: number | undefined) =>
    overview?.listeners.some((l) => l.protocol === protocol && l.port === port) === true;
  if (overview === undefined || !listens('amqp', plan.amqpPort)) return undefined;
  if (
    plan.tls &&
    !(listens('amqp/ssl', plan.tls.amqpsPort) && listens('https', plan.tls.managementTlsPort))
  ) {
    return undefined;
  }
  return (await answersAmqp('localhost', plan.amqpPort)) ? overview.rabbitmqVersion : undefined;
}

function readLog(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return '';
  }
}

function lastLines(text: string, count: number): string {
  return text.trimEnd().split('\n').slice(-count).join('\n');
}

/** The server prints "BOOT FAILED" and the reason to stdout; the reason is what matters. */
function bootFailureSection(stdout: string): string | undefined {
  const at = stdout.indexOf('BOOT FAILED');
  if (at === -1) return undefined;
  return stdout.slice(at).split('\n').slice(0, 40).join('\n');
}

function logDetail(plan: NodePlan): string {
  const files = fileLayout(plan);
  const stdout = readLog(files.stdoutLog);
  const sections = [
    { name: path.basename(files.nodeLog), text: lastLines(readLog(files.nodeLog), 40) },
    {
      name: path.basename(files.stdoutLog),
      text: bootFailureSection(stdout) ?? lastLines(stdout, 40),
    },
  ];
  return (
    sections
      .filter(({ text }) => text.trim() !== '')
      .map(({ name, text }) => `--- ${name} ---\n${text}`)
      .join('\n') || '(the node wrote no log output yet)'
  );
}

/** A one-sentence reason for a failed boot, read from the node's output. */
function failureReason(plan: NodePlan, exitCode: number | null): string {
  const stdout = readLog(fileLayout(plan).stdoutLog);
  const failure = bootFailureSection(stdout) ?? lastLines(stdout, 100);
  const dist = /could not bind to distribution port (\d+)/.exec(failure)?.[1];
  // Listener errors are multi-line Erlang terms; find which of our ports they name.
  const listener = /eaddrinuse/i.test(failure)
    ? listenerPorts(plan).find((port) => new RegExp(`\\b${port}\\b`).test(failure))
    : undefined;
  const port = dist ?? listener;
  if (port !== undefined) {
    return `Port ${port} is already in use; close the program using it and try again.`;
  }
  const code = exitCode === null ? '' : ` (exit code ${exitCode})`;
  return `The private RabbitMQ node stopped during startup${code}; see its log for details.`;
}

/** Output says boot failed even if the VM has not exited yet. */
function bootFailed(plan: NodePlan): boolean {
  return readLog(fileLayout(plan).stdoutLog).includes('BOOT FAILED');
}

/** Resolves with the node's version once it is ready; a BrokerStartError when it stops or times out. */
export async function waitUntilReady(
  plan: NodePlan,
  exitState: () => Exit | undefined,
  timeoutMs: number,
  onProgress: (message: string) => void,
): Promise<string> {
  const client = new ManagementClient({
    baseUrl: `http://localhost:${plan.managementPort}`,
    username: 'guest',
    password: 'guest',
    timeoutMs: 1000,
  });
  const started = Date.now();
  const report = (): void => {
    const seconds = ((Date.now() - started) / 1000).toFixed(1);
    try {
      onProgress(`starting private RabbitMQ node… ${seconds} s`);
    } catch {
      // A failing progress callback must not crash the timer or the boot.
    }
  };
  report();
  // A timer, not the poll loop, so a slow probe cannot delay progress lines.
  const progress = setInterval(report, PROGRESS_INTERVAL_MS);
  try {
    while (Date.now() - started < timeoutMs) {
      const exited = exitState();
      if (exited !== undefined || bootFailed(plan)) {
        throw new BrokerStartError(failureReason(plan, exited?.code ?? null), logDetail(plan));
      }
      const version = await probeReady(plan, client);
      if (version !== undefined) return version;
      await sleep(POLL_INTERVAL_MS);
    }
  } finally {
    clearInterval(progress);
  }
  throw new BrokerStartError(
    `The private RabbitMQ node did not become ready within ${timeoutMs / 1000} s.`,
    logDetail(plan),
  );
}
