/**
 * One member of a private cluster, which the lab can crash (SIGKILL), stop gracefully, freeze
 * (SIGSTOP), thaw and start again: its plan, data and ports outlive its processes, so a node
 * started again rejoins the cluster with what it had.
 */
import type { ChildProcess } from 'node:child_process';
import { listenerPorts, type NodePlan } from './config.js';
import {
  belongsToNode,
  isAlive,
  killNodeHard,
  readBeamPid,
  signal,
  sleep,
  waitForDeath,
} from './proc.js';
import { waitUntilReady } from './ready.js';
import { readNodeRecordSync, writeNodeRecord } from './records.js';
import { type Exit, launchServer } from './spawn.js';

export type NodeStatus = 'booting' | 'up' | 'stopping' | 'down' | 'frozen';

/** A graceful stop waits this long for the VM to finish before it is killed. */
const GRACEFUL_STOP_MS = 30_000;

export class NodeSlot {
  private child: ChildProcess | undefined;
  private exitState: () => Exit | undefined = () => ({ code: null });
  private status_: NodeStatus = 'down';

  constructor(
    readonly plan: NodePlan,
    private readonly binDir: string,
    private readonly startedEpmd: boolean,
    /** The process whose death lets a later run reap this node. */
    private readonly ownerPid = process.pid,
  ) {}

  get status(): NodeStatus {
    return this.status_;
  }

  get nodeName(): string {
    return this.plan.nodeName;
  }

  /**
   * The server process now: the one this process spawned, or (a node started again by another
   * process attached to the same cluster) the one its record names.
   */
  get serverPid(): number {
    const own = this.child?.pid;
    if (own !== undefined && belongsToNode(own, this.plan.nodeName)) return own;
    const recorded = readNodeRecordSync(this.plan.nodeName)?.serverPid;
    if (recorded !== undefined && belongsToNode(recorded, this.plan.nodeName)) return recorded;
    return own ?? 0;
  }

  /** A node another process started (an attached cluster): up when its processes are. */
  adopt(): void {
    this.status_ = belongsToNode(this.serverPid, this.plan.nodeName) ? 'up' : 'down';
  }

  /** Spawn the server and record it (so a later run can reap it); does not wait for it. */
  async launch(): Promise<void> {
    const { child, exitState } = launchServer(this.binDir, this.plan, { keepDirOnFailure: true });
    this.child = child;
    this.exitState = exitState;
    this.status_ = 'booting';
    child.once('exit', () => {
      if (this.child === child) this.status_ = 'down';
    });
    await writeNodeRecord({
      ownerPid: this.ownerPid,
      serverPid: child.pid ?? 0,
      baseDir: this.plan.baseDir,
      nodeName: this.plan.nodeName,
      ports: [...listenerPorts(this.plan), this.plan.distPort],
      startedEpmd: this.startedEpmd,
    });
  }

  /** Resolves with the version once the node answers; a BrokerStartError when it does not. */
  async waitReady(timeoutMs: number, onProgress: (line: string) => void): Promise<string> {
    const version = await waitUntilReady(this.plan, this.exitState, timeoutMs, onProgress);
    this.status_ = 'up';
    return version;
  }

  /** The crash case: SIGKILL the VM and its process group, wait until they are gone. */
  async kill(): Promise<void> {
    const beamPid = readBeamPid(this.plan.baseDir);
    killNodeHard(this.processes());
    await waitForDeath(this.serverPid, 3000);
    await waitForDeath(beamPid, 3000);
    this.status_ = 'down';
  }

  /**
   * A clean shutdown (what `rabbitmqctl stop` does): the server script turns SIGTERM into an
   * orderly stop of the VM; a node that does not finish in time is killed.
   */
  async stopGracefully(): Promise<void> {
    const pid = this.serverPid;
    if (this.status_ === 'frozen') this.thaw();
    this.status_ = 'stopping';
    signal(pid, 'SIGTERM');
    const deadline = Date.now() + GRACEFUL_STOP_MS;
    while (isAlive(pid) && Date.now() < deadline) await sleep(100);
    await this.kill();
  }

  /** A hung node rather than a dead one: every process of the node stops where it is. */
  freeze(): void {
    if (!this.ours()) return;
    signal(-this.serverPid, 'SIGSTOP');
    this.status_ = 'frozen';
  }

  thaw(): void {
    if (!this.ours()) return;
    signal(-this.serverPid, 'SIGCONT');
    this.status_ = 'up';
  }

  /** Last resort (process exit): SIGKILL, never throws; the caller removes the files. */
  killSync(): void {
    try {
      killNodeHard(this.processes());
    } catch {
      // Never throw from an exit handler.
    }
    this.status_ = 'down';
  }

  private ours(): boolean {
    return belongsToNode(this.serverPid, this.plan.nodeName);
  }

  private processes() {
    return { serverPid: this.serverPid, baseDir: this.plan.baseDir, nodeName: this.plan.nodeName };
  }
}
