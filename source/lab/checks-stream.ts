/**
 * Streams: a stream is read, not consumed, so every consumer on it gets every message from where
 * it started. `stream-complete` checks that, per consumer and producer, by id: from the first
 * message it received (its start offset) to the last one promised (or, for a consumer that left
 * early, the last it received), nothing is missing. Order is the `ordering` check's.
 */

import { isStreamQueue } from '../scenario/schema.js';
import { plural } from './accounting.js';
import type { CheckContext, Finding } from './check-facts.js';
import type { SeqSet } from './seq-set.js';

const isStream = (c: CheckContext, queue: string | undefined) =>
  queue !== undefined && c.queueSpecs.some((q) => q.name === queue && isStreamQueue(q));

/** The highest sequence number of `producer` the broker took responsibility for. */
function lastPromised(c: CheckContext, producer: string): number {
  const last = c.ledger.producers.get(producer)?.lastSeq ?? 0;
  for (let seq = last; seq > 0; seq--) if (c.ledger.promised(producer, seq)) return seq;
  return 0;
}

interface Reading {
  readonly consumer: string;
  readonly producer: string;
  readonly from: number;
  readonly to: number;
  readonly got: number;
  readonly missing: readonly number[];
  readonly missingCount: number;
}

function readingsOf(c: CheckContext): Reading[] {
  const out: Reading[] = [];
  for (const consumer of c.consumers.filter((con) => isStream(c, con.queue))) {
    for (const [producer, set] of c.ledger.byConsumer.get(consumer.id) ?? []) {
      let from = 0;
      for (let seq = 1; seq <= set.max && from === 0; seq++) if (set.has(seq)) from = seq;
      if (from === 0) continue;
      const to = consumer.alive ? Math.max(set.max, lastPromised(c, producer)) : set.max;
      const missing: number[] = [];
      let missingCount = 0;
      let got = 0;
      for (let seq = from; seq <= to; seq++) {
        if (set.has(seq)) got++;
        else if (c.ledger.promised(producer, seq)) {
          missingCount++;
          if (missing.length < 3) missing.push(seq);
        }
      }
      out.push({ consumer: consumer.id, producer, from, to, got, missing, missingCount });
    }
  }
  return out;
}

export function streamComplete(c: CheckContext): Finding {
  const readings = readingsOf(c);
  if (readings.length === 0) {
    return { ok: true, idle: true, detail: 'no consumer read a lab message from a stream' };
  }
  const span = (r: Reading) => `${r.producer}-${r.from}…${r.producer}-${r.to}`;
  const short = readings.filter((r) => r.missingCount > 0);
  const summary = readings.map((r) => `${r.consumer} ${span(r)} (${r.got})`).join(', ');
  if (short.length === 0) {
    return {
      ok: true,
      detail: `every stream consumer got every message from where it started: ${summary}`,
    };
  }
  return {
    ok: false,
    detail: short
      .map(
        (r) =>
          `${r.consumer} is missing ${plural(r.missingCount, 'message')} of ${span(r)} (e.g. ${r.missing.map((s) => `${r.producer}-${s}`).join(', ')})`,
      )
      .join('; '),
  };
}

/** The lowest number in a set (0 when empty). */
function lowest(set: SeqSet | undefined): number {
  if (set === undefined) return 0;
  for (let seq = 1; seq <= set.max; seq++) if (set.has(seq)) return seq;
  return 0;
}

interface Resume {
  readonly track: string;
  readonly before: string;
  readonly after: string;
  readonly producer: string;
  /** The last message the one before processed, and the first the next one received. */
  readonly processed: number;
  readonly resumedAt: number;
  /** Processed by both. */
  readonly repeated: number;
}

function resumesOf(c: CheckContext): Resume[] {
  const out: Resume[] = [];
  const tracks = new Map<string, string[]>();
  for (const con of c.consumers) {
    if (con.track !== undefined) tracks.set(con.track, [...(tracks.get(con.track) ?? []), con.id]);
  }
  for (const [track, ids] of tracks) {
    for (let i = 1; i < ids.length; i++) {
      const before = ids[i - 1] ?? '';
      const after = ids[i] ?? '';
      const done = c.ledger.settledByConsumer.get(before);
      const got = c.ledger.byConsumer.get(after);
      const later = c.ledger.settledByConsumer.get(after);
      for (const [producer, set] of done ?? []) {
        const resumedAt = lowest(got?.get(producer));
        if (resumedAt === 0) continue;
        const again = later?.get(producer);
        let repeated = 0;
        for (let seq = resumedAt; seq <= set.max; seq++)
          if (set.has(seq) && again?.has(seq)) repeated++;
        out.push({ track, before, after, producer, processed: set.max, resumedAt, repeated });
      }
    }
  }
  return out;
}

/**
 * Offset tracking: a reader started under a name another one used resumes right after the last
 * message that one processed: no gap, nothing processed twice.
 */
export function offsetResume(c: CheckContext): Finding {
  const resumes = resumesOf(c);
  if (resumes.length === 0) {
    return { ok: true, idle: true, detail: 'no stream reader resumed a tracked offset' };
  }
  const id = (r: Resume, seq: number) => `${r.producer}-${seq}`;
  const parts = resumes.map((r) => {
    const gap = r.resumedAt - r.processed - 1;
    const how =
      gap === 0 && r.repeated === 0
        ? 'right after'
        : gap > 0
          ? `${plural(gap, 'message')} after (a gap)`
          : `${plural(r.repeated || -gap, 'message')} before (processed again)`;
    return {
      ok: gap === 0 && r.repeated === 0,
      text: `${r.after} resumed '${r.track}' at ${id(r, r.resumedAt)}, ${how} ${r.before}'s last processed ${id(r, r.processed)}`,
    };
  });
  const bad = parts.filter((p) => !p.ok);
  return {
    ok: bad.length === 0,
    detail: (bad.length === 0 ? parts : bad).map((p) => p.text).join('; '),
  };
}
