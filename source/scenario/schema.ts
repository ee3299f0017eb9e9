import * as z from '../vendor/zod.js';
import { type ScenarioGroup, scenarioGroups } from './groups.js';
import { checkRouting } from './routing-rules.js';

export { type ScenarioGroup, scenarioGroups };

/** A name the broker accepts for an exchange or queue (AMQP shortstr, no control characters). */
const entityName = z
  .string()
  .max(255)
  .regex(/^[^\p{Cc}]*$/u, 'must not contain control characters');

const argumentValue = z.union([z.string(), z.number(), z.boolean()]);

export const exchangeSchema = z.strictObject({
  name: entityName.min(1),
  /** x-consistent-hash needs the plugin (the private node enables it); its binding keys are weights. */
  type: z.enum(['direct', 'fanout', 'topic', 'headers', 'x-consistent-hash']),
  durable: z.boolean().default(false),
  autoDelete: z.boolean().default(false),
  /** Declaration arguments, e.g. `alternate-exchange`: where messages no binding takes go. */
  arguments: z.record(z.string(), argumentValue).default({}),
});

const headerValue = z.union([z.string().max(255), z.number().int(), z.boolean()]);

const headerName = z.string().min(1).max(128);

/** Header arguments of a binding to a headers exchange (the broker ignores `x-` names there). */
const bindingHeaders = z
  .record(headerName, headerValue)
  .refine((h) => Object.keys(h).length > 0, { message: 'name at least one header to match' })
  .refine((h) => Object.keys(h).every((name) => !name.startsWith('x-')), {
    message: 'a headers exchange ignores binding headers whose names start with x-',
  });

/** Headers a producer sets on a message (the lab's own `x-rabbit-lab-*` ones are reserved). */
const messageHeaders = z
  .record(headerName, headerValue)
  .refine((h) => Object.keys(h).every((name) => !name.startsWith('x-rabbit-lab-')), {
    message: "headers starting with x-rabbit-lab- are the lab's own",
  });

export const queueSchema = z.strictObject({
  name: entityName.min(1),
  durable: z.boolean().default(false),
  exclusive: z.boolean().default(false),
  autoDelete: z.boolean().default(false),
  arguments: z.record(z.string(), argumentValue).default({}),
});

export const bindingSchema = z.strictObject({
  exchange: entityName.min(1),
  queue: entityName.min(1),
  keys: z.array(z.string().max(255)).min(1).default(['']),
  /** A headers exchange: `all` headers below must match (the default), or `any` one of them. */
  match: z.enum(['all', 'any']).optional(),
  /** A headers exchange: the headers (and values) a message needs to be routed here. */
  headers: bindingHeaders.optional(),
});

export const producerSchema = z.strictObject({
  kind: z.literal('producer'),
  /** '' is the default exchange: the routing key is the queue name. */
  exchange: entityName.default(''),
  /** Messages cycle through these keys in order. */
  routingKeys: z.array(z.string().max(255)).min(1),
  /** Messages cycle through these header sets in order (a headers exchange routes by them). */
  headers: z.array(messageHeaders).min(1).max(100).optional(),
  /** Messages per second; 'max' publishes as fast as the broker accepts. */
  rate: z.union([z.number().positive().max(100_000), z.literal('max')]).default(1),
  /**
   * `{seq}`, `{key}` and `{actor}` are replaced per message; `{dots}` by 1–3 dots, the tutorial's
   * units of work.
   */
  body: z.string().max(10_000).default('Message #{seq}'),
  persistent: z.boolean().default(false),
  /** Start paused (space resumes it). */
  paused: z.boolean().default(false),
  /**
   * Publisher confirms (tutorial 7): `async` handles them as they arrive; `each` waits for the
   * confirm of every message before the next; `batch` publishes `confirmBatch`, then waits.
   */
  confirm: z.enum(['async', 'each', 'batch']).default('async'),
  confirmBatch: z.number().int().min(1).max(10_000).default(100),
  /**
   * An RPC client (tutorial 6): each message is a request to `routingKeys[0]`'s queue that waits
   * for a reply; `{n}` in the body cycles through `numbers`.
   */
  rpc: z
    .strictObject({
      replyTo: z.enum(['direct', 'queue']).default('direct'),
      timeoutMs: z.number().int().min(100).max(60_000).default(3000),
      retries: z.number().int().min(0).max(10).default(3),
      numbers: z.array(z.number().int().min(0).max(32)).min(1).default([10, 20, 25, 30]),
    })
    .optional(),
  /**
   * An HTTP publish endpoint instead of a timed producer: `POST /publish/<exchange>` on
   * 127.0.0.1 with a bearer token publishes the request body (routing key from `?key=`), and
   * answers once the broker confirmed it. Port 0 picks a free one.
   */
  http: z.strictObject({ port: z.number().int().min(0).max(65_535).default(0) }).optional(),
  /**
   * Priority queues: the AMQP `priority` of each message, cycled like the routing keys
   * (`[1, 1, 1, 9]`: every 4th message is urgent). Only a queue with `x-max-priority` honours it.
   */
  priorities: z.array(z.number().int().min(0).max(255)).min(1).max(100).optional(),
  /** Per-message TTL: the AMQP `expiration` of each message, in milliseconds. */
  ttlMs: z.number().int().min(0).max(86_400_000).optional(),
});

export const ackModeSchema = z.enum(['manual', 'auto', 'never']);

/** Where a stream consumer starts: a word, an offset, an ISO time or an interval (`10m`). */
export const streamOffsetSchema = z.union([
  z.enum(['first', 'last', 'next']),
  z.number().int().min(0),
  z
    .string()
    .regex(
      /^(\d{1,6}(s|m|h|D|M|Y)|\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2})?(\.\d+)?(Z|[+-]\d{2}:\d{2}))$/,
      'an offset is first, last, next, a number, an ISO time such as 2026-12-01T10:00:00Z, or an interval such as 30s, 10m, 1h, 1D',
    ),
]);
export type StreamOffset = z.infer<typeof streamOffsetSchema>;

export const consumerSchema = z
  .strictObject({
    kind: z.literal('consumer'),
    /** A queue from the topology (or any existing queue) to consume from. */
    queue: entityName.min(1).optional(),
    /** Instead of `queue`: a server-named exclusive queue bound to this exchange with these keys. */
    bind: z
      .strictObject({
        exchange: entityName.min(1),
        keys: z.array(z.string().max(255)).min(1).default(['']),
      })
      .optional(),
    /** Unacknowledged messages the broker may push at once; 0 means unlimited. */
    prefetch: z.number().int().min(0).max(65_535).default(1),
    /**
     * A stream queue: where to start reading (`x-stream-offset`): first, last (the start of the
     * last chunk), next, an offset, an ISO time (`2026-12-01T10:00:00Z`) or an interval back
     * from now (`30s`, `10m`, `1h`, `1D`…).
     */
    offset: streamOffsetSchema.optional(),
    /**
     * A stream consumer that tracks its offset under this name: it stores the last offset it
     * processed, and a consumer started later with the same name resumes right after it (over
     * AMQP 0.9.1 the client keeps the offset; the stream protocol can keep it on the broker).
     */
    track: entityName.min(1).max(60).optional(),
    ack: ackModeSchema.default('manual'),
    /** Simulated work per message, in milliseconds. */
    workMs: z.number().int().min(0).max(60_000).default(0),
    /** Extra simulated work per '.' in the body (the tutorial's `Task 7 ...`). */
    workPerDotMs: z.number().int().min(0).max(60_000).default(0),
    /**
     * Manual ack: acknowledge every n-th message with `multiple` (covering those before it), and
     * whatever is pending after a short pause; fewer acks for the broker to process.
     */
    ackEvery: z.number().int().min(1).max(10_000).default(1),
    /** An RPC server: answer each request's `replyTo` with fib(n) of its body. */
    reply: z.literal('fibonacci').optional(),
    /** Reject every n-th message (0: never), to show what rejection does. */
    nackEvery: z.number().int().min(0).max(1_000_000).default(0),
    /** Whether a rejected message goes back to the queue (false: dropped or dead-lettered). */
    requeue: z.boolean().default(false),
    /**
     * A bug to show what it does, on every `bugEvery`-th message: `throw` inside the message
     * handler (the message stays unacknowledged), `double-ack` (the broker closes the channel:
     * 406 unknown delivery tag).
     */
    bug: z.enum(['throw', 'double-ack']).optional(),
    bugEvery: z.number().int().min(1).max(1_000_000).default(10),
    /**
     * Retries through dead-lettering: the consumer fails some messages and rejects them without
     * requeue, so the queue's dead-letter exchange takes them (to a retry queue whose TTL sends
     * them back). The attempt number comes from the message's `x-death` header; a message that
     * fails its `maxAttempts`-th attempt is published to `parkingQueue` and acknowledged.
     */
    retry: z
      .strictObject({
        /** Every n-th message (by sequence number) fails on its first attempt only; 0: none. */
        transientEvery: z.number().int().min(0).max(1_000_000).default(0),
        /** Every n-th message always fails, so it ends in the parking queue; 0: none. */
        poisonEvery: z.number().int().min(0).max(1_000_000).default(0),
        maxAttempts: z.number().int().min(1).max(100).default(3),
        parkingQueue: entityName.min(1),
      })
      .optional(),
  })
  .refine((c) => (c.queue === undefined) !== (c.bind === undefined), {
    message: 'a consumer needs exactly one of `queue` or `bind`',
  })
  .refine((c) => c.offset === undefined || (c.ack === 'manual' && c.prefetch > 0), {
    message: 'a stream consumer (`offset`) needs `ack: manual` and a prefetch of 1 or more',
    path: ['offset'],
  })
  .refine((c) => c.track === undefined || c.offset !== undefined, {
    message: '`track` needs an `offset` to start from while nothing is stored under its name',
    path: ['track'],
  });

export const actorSchema = z.discriminatedUnion('kind', [producerSchema, consumerSchema]);

export const checkNameSchema = z.enum([
  'no-loss',
  'each-once',
  'ordering',
  'single-active',
  'consistent-hash',
  'stream-complete',
  'offset-resume',
  'redelivery-after-crash',
  'fanout-complete',
  'routing-correct',
  'routing-complete',
  'confirms',
  'rpc-replies',
  'acked-or-parked',
  'queues-complete',
  'priority-order',
  'limits-explained',
]);

/**
 * A check by name, or with `idle`: why it is fine for this scenario when a run gives the check
 * nothing to judge (a check with nothing to judge fails otherwise); `no-loss` may be judged on
 * some queues only (`queues`), the others' losses still told in its detail.
 */
export const checkSpecSchema = z
  .union([
    checkNameSchema,
    z
      .strictObject({
        name: checkNameSchema,
        idle: z.string().min(1).max(300).optional(),
        queues: z.array(entityName.min(1)).min(1).optional(),
      })
      .refine((c) => c.queues === undefined || c.name === 'no-loss', {
        message: '`queues` narrows only the no-loss check',
        path: ['queues'],
      }),
  ])
  .transform((c) => (typeof c === 'string' ? { name: c } : c));

/** An actor id such as C2, or a name given with `as` by an earlier tour step. */
const actorRef = z
  .string()
  .regex(/^[A-Za-z][\w-]*$/, 'an actor id such as C2 or a name given with `as`');

export const tourActionSchema = z.union([
  /** `as` names the new actor for later steps (ids shift when the user spawns actors too). */
  z.strictObject({ spawn: actorSchema, as: actorRef.optional() }),
  /** SIGKILL: the crash case. */
  z.strictObject({ kill: actorRef }),
  /** A graceful stop: the actor closes its connection. */
  z.strictObject({ stop: actorRef }),
  /** Pause or resume a producer. */
  z.strictObject({ pause: actorRef }),
  z.strictObject({ resume: actorRef }),
  /** A real HTTP request to a producer's publish endpoint (`key`: the routing key). */
  z.strictObject({
    post: z.strictObject({
      to: actorRef,
      body: z.string().max(10_000),
      key: z.string().optional(),
    }),
  }),
  /** Add a service queue like the scenario's `services` (as the b key does). */
  z.strictObject({ addQueue: z.union([z.literal(true), entityName.min(1)]) }),
  /**
   * A private cluster's node (as the node keys do): `kill` (SIGKILL of its VM), `stop` (clean
   * shutdown) or `freeze` (SIGSTOP) the node that leads `leaderOf`; `thaw` the frozen nodes;
   * `start` the stopped ones again.
   */
  z.strictObject({
    node: z.enum(['kill', 'stop', 'freeze', 'thaw', 'start']),
    leaderOf: entityName.min(1).optional(),
  }),
]);

export const tourStepSchema = z.strictObject({
  /** Seconds after the scenario starts. */
  at: z.number().min(0).max(3600),
  say: z.string().min(1),
  do: tourActionSchema.optional(),
});

export const scenarioSchema = z
  .strictObject({
    name: z
      .string()
      .regex(/^[a-z0-9][a-z0-9-]*$/, 'use lowercase letters, digits and dashes')
      .max(60),
    /** The descriptive fields may wait: a new file runs with the defaults filled in below. */
    title: z.string().min(1).max(80).optional(),
    pattern: z.string().min(1).max(60).default('your own'),
    summary: z.string().min(1).max(200).optional(),
    tutorial: z.number().int().min(1).max(7).optional(),
    /** Where `rabbit-lab list` files it; by default from what it is (see `groupOf`). */
    group: z.enum(scenarioGroups).optional(),
    aliases: z.array(z.string().min(1)).default([]),
    lesson: z
      .string()
      .min(1)
      .default('No lesson written yet: add `lesson:` to the file to say what to watch for.'),
    topology: z
      .strictObject({
        exchanges: z.array(exchangeSchema).default([]),
        queues: z.array(queueSchema).default([]),
        bindings: z.array(bindingSchema).default([]),
      })
      .default({ exchanges: [], queues: [], bindings: [] }),
    actors: z.array(actorSchema).max(64).default([]),
    /**
     * New service queues added live (the b key, or a tour's addQueue): each a durable named
     * queue bound to `exchange` with `keys`, with a consumer like `consumer`. Names come from
     * `names`, then `<exchange>.service-<n>`.
     */
    services: z
      .strictObject({
        exchange: entityName.min(1),
        keys: z.array(z.string().max(255)).min(1).default(['']),
        names: z.array(entityName.min(1)).default([]),
        durable: z.boolean().default(true),
        consumer: z
          .strictObject({
            prefetch: z.number().int().min(0).max(65_535).default(1),
            ack: ackModeSchema.default('manual'),
            workMs: z.number().int().min(0).max(60_000).default(0),
          })
          .default({ prefetch: 1, ack: 'manual', workMs: 0 }),
      })
      .optional(),
    checks: z.array(checkSpecSchema).default([{ name: 'no-loss' }]),
    tour: z.array(tourStepSchema).default([]),
    /**
     * Made for a cluster: `--broker auto` starts a private cluster of this many nodes (instead of
     * one node) when nothing answers at the default URL, and a single broker gets a notice.
     */
    cluster: z.strictObject({ nodes: z.number().int().min(3).max(5).default(3) }).optional(),
  })
  .superRefine((scenario, context) => {
    priorityProblems(scenario, context);
    checkRouting(scenario, context);
    // Retries need the queue to dead-letter somewhere, or a rejected message is simply gone.
    const consumers = [
      ...scenario.actors.map((actor, i) => ({ actor, path: ['actors', i] })),
      ...scenario.tour.map((step, i) => ({
        actor: step.do && 'spawn' in step.do ? step.do.spawn : undefined,
        path: ['tour', i, 'do', 'spawn'],
      })),
    ];
    for (const { actor, path } of consumers) {
      if (actor?.kind !== 'consumer' || !actor.retry) continue;
      // A parked message is acknowledged once its copy is confirmed, on its own.
      if (actor.ack !== 'manual' || actor.ackEvery > 1) {
        context.addIssue({
          code: 'custom',
          path: [...path, 'retry'],
          message: 'retries need ack: manual and ackEvery 1 (each message settled on its own)',
        });
        continue;
      }
      const queue = scenario.topology.queues.find((q) => q.name === actor.queue);
      if (!queue || queue.arguments['x-dead-letter-exchange'] === undefined) {
        context.addIssue({
          code: 'custom',
          path: [...path, 'retry'],
          message: `retries need the consumer's queue declared in topology.queues with an x-dead-letter-exchange argument${actor.queue ? ` ('${actor.queue}' has none)` : ''}`,
        });
      }
    }
  })
  .transform((scenario) => {
    const title = scenario.title ?? titleOf(scenario.name);
    const group: ScenarioGroup =
      scenario.group ??
      (scenario.tutorial !== undefined
        ? 'tutorials'
        : scenario.cluster !== undefined
          ? 'cluster'
          : scenario.topology.queues.some(isStreamQueue)
            ? 'streams'
            : 'your own');
    return { ...scenario, title, summary: scenario.summary ?? title, group };
  });

interface RawScenario {
  readonly topology: {
    readonly queues: readonly QueueSpec[];
    readonly bindings: readonly BindingSpec[];
  };
  readonly actors: readonly ActorSpec[];
}

/**
 * Message priorities on a producer whose every queue is known and none has x-max-priority: the
 * broker would deliver them in publish order, priorities or not.
 */
function priorityProblems(scenario: RawScenario, context: z.RefinementCtx): void {
  const { queues, bindings } = scenario.topology;
  scenario.actors.forEach((actor, i) => {
    if (actor.kind !== 'producer' || actor.priorities === undefined) return;
    const names =
      actor.exchange === ''
        ? actor.routingKeys
        : bindings.filter((b) => b.exchange === actor.exchange).map((b) => b.queue);
    const specs = names.map((name) => queues.find((q) => q.name === name));
    if (specs.length === 0 || specs.some((q) => q === undefined)) return;
    if (specs.some((q) => q?.arguments['x-max-priority'] !== undefined)) return;
    context.addIssue({
      code: 'custom',
      path: ['actors', i, 'priorities'],
      message: `priorities need a queue with an x-max-priority argument (${names.join(', ')} has none), or the broker delivers in publish order`,
    });
  });
}

/** A name as a title: dashes to spaces, the first letter up (`my-lab` → `My lab`). */
function titleOf(name: string): string {
  const words = name.replaceAll('-', ' ');
  return words.charAt(0).toUpperCase() + words.slice(1);
}

export type Scenario = z.output<typeof scenarioSchema>;
export type ExchangeSpec = z.infer<typeof exchangeSchema>;
export type QueueSpec = z.infer<typeof queueSchema>;

/** A stream queue (`x-queue-type: stream`): read by every consumer, never emptied. */
export function isStreamQueue(spec: Pick<QueueSpec, 'arguments'> | undefined): boolean {
  return spec?.arguments['x-queue-type'] === 'stream';
}

/** A queue with a single active consumer (`x-single-active-consumer`): one receives, the rest wait. */
export function isSingleActiveQueue(spec: Pick<QueueSpec, 'arguments'> | undefined): boolean {
  return spec?.arguments['x-single-active-consumer'] === true;
}
export type BindingSpec = z.infer<typeof bindingSchema>;
export type HeaderValue = z.infer<typeof headerValue>;
/** A message's headers, or a binding's header arguments. */
export type HeaderSet = Readonly<Record<string, HeaderValue>>;
export type ProducerSpec = z.infer<typeof producerSchema>;
export type ConsumerSpec = z.infer<typeof consumerSchema>;
export type ActorSpec = z.infer<typeof actorSchema>;
export type AckMode = z.infer<typeof ackModeSchema>;
export type CheckName = z.infer<typeof checkNameSchema>;
export type CheckSpec = z.output<typeof checkSpecSchema>;
export type TourStep = z.infer<typeof tourStepSchema>;
export type TourAction = z.infer<typeof tourActionSchema>;
