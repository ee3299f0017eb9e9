/** The commented starter file `rabbit-lab new <name>` writes: a small work queue to edit. */
export function starterScenario(name: string): string {
  return `# A rabbit-lab scenario. Run it:      rabbit-lab scenario ./${name}.yaml
# Check it without running it:         rabbit-lab validate ./${name}.yaml
# Every field, its default and the checks: docs/scenarios.md in the rabbit-lab package.
name: ${name}                 # lowercase letters, digits and dashes
title: My work queue
pattern: competing consumers  # a few words: what the scenario shows
summary: Two workers share the tasks of one producer.
lesson: |
  What the learner should watch for. Shown beside the topology (or on one line in small
  terminals) until the tour says something else.

topology:
  # exchanges: [{ name: my_exchange, type: direct }]   # direct | fanout | topic | headers
  queues:
    - name: my_tasks
      durable: true
      arguments: { x-queue-type: quorum }              # any x-arguments, as the broker takes them
  # bindings: [{ exchange: my_exchange, queue: my_tasks, keys: [task] }]

actors:
  - kind: producer
    routingKeys: [my_tasks]   # the default exchange ('') routes by queue name
    rate: 2                   # messages per second, or max
    persistent: true
    body: "Task {seq} {dots}" # {seq} {key} {actor} {n}; {dots} is 1-3 dots (work)
    # http: { port: 0 }       # instead of a rate: an HTTP endpoint, POST /publish/<exchange>
  - kind: consumer
    queue: my_tasks           # or bind: { exchange: my_exchange, keys: [task] } for its own queue
    prefetch: 1               # 0 = unlimited
    ack: manual               # manual | auto | never (the forgotten ack)
    workPerDotMs: 300         # simulated work per '.' in the body
    # retry: { poisonEvery: 10, maxAttempts: 3, parkingQueue: my_parked }
    #                         # needs x-dead-letter-exchange on my_tasks: see dead-letter-retry
  - kind: consumer
    queue: my_tasks
    prefetch: 1
    ack: manual
    workPerDotMs: 300

# services: { exchange: my_exchange, names: [audit] }   # what b adds: a queue and its consumer

checks: [no-loss, each-once]  # see docs/scenarios.md for all of them

tour:                          # optional: steps that play by themselves (n plays the next now)
  - at: 0
    say: Two workers take turns. Press c for a third.
  - at: 10
    say: A worker crashes holding a task; the broker gives the task to another.
    do: { kill: C1 }
`;
}
