/**
 * How a message says it is one of this run's, without a headers table (encoding one was the
 * producer's largest cost at full speed): two standard properties carry it all.
 *
 * - `appId` is `rabbit-lab.<run>`: the run that sent it, compared exactly, so a message from
 *   another run or another program is never counted as this run's.
 * - `messageId` is `<producer>-<seq>@<sent-at ms>`: who sent it, its place in that producer's
 *   sequence, and when (for publish → delivery latency and priority waits; same machine clock).
 *
 * Nothing else: no `timestamp` (the id has the time, to the ms) and no `contentType`. The broker
 * keeps a message's encoded properties as one Erlang binary, and a binary over 64 bytes is
 * reference-counted off the process heap instead of copied: measured here, a message whose
 * properties took 65–70 bytes moved at about half the rate of one with 62 or fewer. The lab's take
 * about 50 (`test/unit/lab-message.test.ts` holds them under 64 for long ids). A scenario's own
 * headers, priorities and TTLs still travel as it says.
 */

export interface LabId {
  readonly producer: string;
  readonly seq: number;
}

export interface LabMessageId extends LabId {
  /** When the producer sent it (ms since epoch); absent on an id without one. */
  readonly sentAt?: number;
}

/** The app id of every message the run `runId` publishes. */
export function labAppId(runId: string): string {
  return `rabbit-lab.${runId}`;
}

/** What a lab producer publishes a message with, besides a scenario's own properties. */
export interface LabPublishOptions {
  readonly messageId: string;
  readonly appId: string;
  readonly persistent: boolean;
  readonly mandatory: true;
}

/**
 * The options of the `seq`-th message of `producer` (`appId` from labAppId): the same for the
 * lab's producers and for the bench's lab-shaped baseline.
 */
export function labPublishOptions(
  appId: string,
  producer: string,
  seq: number,
  sentAt: number,
  persistent: boolean,
): LabPublishOptions {
  return { messageId: labMessageId(producer, seq, sentAt), appId, persistent, mandatory: true };
}

/** The message id of the `seq`-th message of `producer`, sent at `sentAt`. */
export function labMessageId(producer: string, seq: number, sentAt: number): string {
  return `${producer}-${seq}@${sentAt}`;
}

/** `P1-42` (what the screen and the report show) of a lab message id. */
export function shortMessageId(id: LabId): string {
  return `${id.producer}-${id.seq}`;
}

function positiveInteger(text: string): number | undefined {
  if (!/^\d+$/.test(text)) return undefined;
  const n = Number(text);
  return Number.isSafeInteger(n) && n >= 1 ? n : undefined;
}

/** Parse `P1-42` or `P1-42@1764873600123` into its producer, sequence and send time. */
export function parseMessageId(id: unknown): LabMessageId | undefined {
  if (typeof id !== 'string') return undefined;
  const at = id.lastIndexOf('@');
  const name = at < 0 ? id : id.slice(0, at);
  const dash = name.lastIndexOf('-');
  if (dash <= 0) return undefined;
  const seq = positiveInteger(name.slice(dash + 1));
  if (seq === undefined) return undefined;
  if (at < 0) return { producer: name.slice(0, dash), seq };
  const sentAt = positiveInteger(id.slice(at + 1));
  return sentAt === undefined ? undefined : { producer: name.slice(0, dash), seq, sentAt };
}

/** The properties a lab message is told by. */
export interface LabProperties {
  readonly messageId?: unknown;
  readonly appId?: unknown;
}

/** Producer, sequence and send time of a message from run `runId`; undefined for any other. */
export function labMessageOf(properties: LabProperties, runId: string): LabMessageId | undefined {
  if (properties.appId !== labAppId(runId)) return undefined;
  return parseMessageId(properties.messageId);
}
