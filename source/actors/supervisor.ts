import { type ChildProcess, fork } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { ActorConfig, ActorEnvironment, ChildMessage, ParentMessage } from './protocol.js';

export type SupervisorEvent =
  | { readonly type: 'message'; readonly id: string; readonly message: ChildMessage }
  | {
      readonly type: 'exit';
      readonly id: string;
      readonly code: number | null;
      readonly signal: NodeJS.Signals | null;
      /** The last lines the actor wrote to stderr, for diagnosis. */
      readonly stderr: string;
    };

interface Child {
  readonly process: ChildProcess;
  readonly exited: Promise<void>;
  stderr: string;
}

/** Where the actor entry lives: next to this module, compiled or (under tsx) as source. */
function actorEntry(): { file: string; execArgv: string[] } {
  const js = fileURLToPath(new URL('./actor-main.js', import.meta.url));
  if (existsSync(js)) return { file: js, execArgv: [] };
  return {
    file: fileURLToPath(new URL('./actor-main.ts', import.meta.url)),
    execArgv: ['--import', 'tsx'],
  };
}

/** Spawns actor processes, relays their messages, and kills them by pid. */
export class Supervisor {
  private readonly children = new Map<string, Child>();

  constructor(
    private readonly env: ActorEnvironment,
    private readonly onEvent: (event: SupervisorEvent) => void,
  ) {}

  get size(): number {
    return this.children.size;
  }

  pids(): number[] {
    return [...this.children.values()].flatMap((c) => (c.process.pid ? [c.process.pid] : []));
  }

  spawn(config: ActorConfig): void {
    const entry = actorEntry();
    const child = fork(entry.file, [], {
      execArgv: entry.execArgv,
      // Actor output never reaches the terminal behind the UI's back.
      stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
      serialization: 'json',
    });
    const record: Child = {
      process: child,
      stderr: '',
      // 'close', not 'exit': it comes after the IPC channel is drained, so every report the
      // actor wrote before it died has been handled first.
      exited: new Promise((resolve) => {
        child.once('close', (code, signal) => {
          this.children.delete(config.id);
          this.onEvent({ type: 'exit', id: config.id, code, signal, stderr: record.stderr });
          resolve();
        });
      }),
    };
    child.stderr?.setEncoding('utf8');
    child.stderr?.on('data', (chunk: string) => {
      record.stderr = (record.stderr + chunk).slice(-2000);
    });
    child.on('message', (message: ChildMessage) => {
      this.onEvent({ type: 'message', id: config.id, message });
    });
    child.on('error', () => {
      // 'exit' follows; a failed send to a dying child is not an error worth reporting.
    });
    this.children.set(config.id, record);
    this.send(config.id, { type: 'start', env: this.env, config });
  }

  private send(id: string, message: ParentMessage): void {
    const child = this.children.get(id)?.process;
    if (child?.connected) child.send(message);
  }

  /** New settings for a running actor. */
  update(config: ActorConfig): void {
    this.send(config.id, { type: 'update', config });
  }

  /** Ask a producer to publish one message now. */
  sendOne(id: string, routingKey: string, body: string): void {
    this.send(id, { type: 'send', routingKey, body });
  }

  has(id: string): boolean {
    return this.children.has(id);
  }

  /** SIGKILL: the crash case. The broker sees the connection drop and requeues unacked messages. */
  async kill(id: string): Promise<void> {
    const child = this.children.get(id);
    if (!child) return;
    child.process.kill('SIGKILL');
    await child.exited;
  }

  /** Ask the actor to close its connection cleanly; kill it if it takes too long. */
  async stop(id: string, graceMs = 5000): Promise<void> {
    const child = this.children.get(id);
    if (!child) return;
    this.send(id, { type: 'stop' });
    const timer = setTimeout(() => child.process.kill('SIGKILL'), graceMs);
    await child.exited;
    clearTimeout(timer);
  }

  async stopAll(graceMs = 5000): Promise<void> {
    await Promise.all([...this.children.keys()].map((id) => this.stop(id, graceMs)));
  }

  /** For process 'exit' handlers, where nothing asynchronous runs any more. */
  killAllSync(): void {
    for (const child of this.children.values()) {
      try {
        child.process.kill('SIGKILL');
      } catch {
        // Already gone.
      }
    }
  }
}
