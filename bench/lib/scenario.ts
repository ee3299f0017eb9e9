/** Scenario files for the CLI. */
import { writeFileSync } from 'node:fs';
import path from 'node:path';

/** Every producer in a bench scenario sends this 64-byte body. */
export const messageBody = 'rabbit-lab bench: a 64-byte message body'.padEnd(64, '.');

export interface ScenarioShape {
  readonly name: string;
  readonly rate: number | 'max';
  readonly consumers?: number;
  readonly subscribers?: number;
  readonly queue?: string;
  /** Consumers acknowledge every n-th message with one multiple ack (1: each on its own). */
  readonly ackEvery?: number;
}

/** A scenario file for the CLI: one producer and consumers on one queue, or fanout subscribers. */
export function writeScenario(dir: string, shape: ScenarioShape): string {
  const body = JSON.stringify(messageBody);
  const lines = [
    `name: ${shape.name}`,
    'title: Bench',
    'pattern: benchmark',
    'summary: A benchmark scenario written by bench/run.ts.',
    'lesson: Measures how fast the lab moves messages and what drawing it costs.',
  ];
  if (shape.subscribers !== undefined) {
    lines.push(
      'topology:',
      '  exchanges:',
      '    - { name: bench_fanout, type: fanout }',
      'actors:',
      `  - { kind: producer, exchange: bench_fanout, routingKeys: [''], rate: ${shape.rate}, body: ${body} }`,
    );
    for (let i = 0; i < shape.subscribers; i++) {
      lines.push(
        '  - { kind: consumer, bind: { exchange: bench_fanout }, prefetch: 100, ack: manual }',
      );
    }
  } else {
    const queue = shape.queue ?? 'bench_queue';
    lines.push(
      'topology:',
      '  queues:',
      `    - { name: ${queue}, durable: false }`,
      'actors:',
      `  - { kind: producer, routingKeys: [${queue}], rate: ${shape.rate}, body: ${body} }`,
    );
    for (let i = 0; i < (shape.consumers ?? 1); i++) {
      const every = shape.ackEvery && shape.ackEvery > 1 ? `, ackEvery: ${shape.ackEvery}` : '';
      lines.push(`  - { kind: consumer, queue: ${queue}, prefetch: 100, ack: manual${every} }`);
    }
  }
  lines.push('checks: [no-loss]', '');
  const file = path.join(dir, `${shape.name}.yaml`);
  writeFileSync(file, lines.join('\n'));
  return file;
}
