// biome-ignore-all lint/suspicious/noTemplateCurlyInString: the strings are lines of generated TypeScript
/**
 * The programs `v` and `rabbit-lab code` show: concrete lines for each setting, declarations the
 * broker accepts next to the lab's, no password. test/e2e/code.test.ts runs them.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { ActorConfig, ConsumerConfig, ProducerConfig } from '../../source/actors/protocol.js';
import type { TopologySpec } from '../../source/broker/topology.js';
import { generateProgram, type Language, parseLanguage } from '../../source/code/generate.js';
import { needsOf, programUrl } from '../../source/code/model.js';
import { scenarioActors } from '../../source/commands/code.js';
import { initialState, reduce } from '../../source/lab/store.js';
import { loadCatalog, resolveScenario } from '../../source/scenario/catalog.js';

async function scenario(name: string) {
  const { scenario: s } = await resolveScenario(name);
  return { actors: scenarioActors(s), topology: s.topology, name: s.name };
}

function program(
  actor: ActorConfig,
  topology: TopologySpec,
  language: Language,
  brokerUrl?: string,
): string {
  return generateProgram({ actor, topology, scenario: 'test', brokerUrl }, language);
}

function actor<T extends ActorConfig>(actors: readonly ActorConfig[], id: string): T {
  const found = actors.find((a) => a.id === id);
  assert.ok(found, id);
  return found as T;
}

const noTopology: TopologySpec = { exchanges: [], queues: [], bindings: [] };

/** The lines of a program, trimmed, for exact matches. */
function lines(text: string): string[] {
  return text.split('\n').map((l) => l.trim());
}

describe('the generated programs', () => {
  test('headers: bindings carry x-match and the headers; the producer cycles its header sets', async () => {
    const s = await scenario('headers');
    const p1 = actor<ProducerConfig>(s.actors, 'P1');
    const ts = lines(program(p1, s.topology, 'typescript'));
    assert.ok(
      ts.includes("await channel.bindQueue('pdf-or-report', 'documents', '', {"),
      ts.join('\n'),
    );
    assert.ok(ts.includes("'x-match': 'any',"));
    assert.ok(ts.includes("{ format: 'csv', type: 'memo' },"));
    assert.ok(ts.includes('const headers = headerSets[(seq - 1) % headerSets.length];'));
    assert.ok(ts.some((l) => l.includes('Buffer.from(body), sendOptions,')));
    const py = lines(program(p1, s.topology, 'python'));
    assert.ok(py.includes("arguments={'x-match': 'all', 'format': 'pdf', 'type': 'report'},"));
    assert.ok(py.includes("{'format': 'docx', 'type': 'invoice'},"));
    assert.ok(py.includes('properties.headers = header_sets[(seq - 1) % len(header_sets)]'));
  });

  test('alternate exchange: declared with alternateExchange / arguments, and declared itself', async () => {
    const s = await scenario('alternate-exchange');
    const p1 = actor<ProducerConfig>(s.actors, 'P1');
    const ts = lines(program(p1, s.topology, 'typescript'));
    assert.ok(ts.includes("alternateExchange: 'orders-unrouted',"), ts.join('\n'));
    assert.ok(ts.includes("await channel.assertExchange('orders-unrouted', 'fanout', {"));
    assert.ok(ts.includes("await channel.bindQueue('unrouted', 'orders-unrouted', '');"));
    const py = lines(program(p1, s.topology, 'python'));
    assert.ok(py.includes("arguments={'alternate-exchange': 'orders-unrouted'},"), py.join('\n'));
    assert.ok(needsOf(p1, s.topology).queues.some((q) => q.name === 'unrouted'));
  });

  test('stream readers: x-stream-offset as each language sends it; a tracked one keeps a file', async () => {
    const s = await scenario('stream');
    const reader = actor<ConsumerConfig>(s.actors, 'C1');
    assert.ok(
      lines(program(reader, s.topology, 'typescript')).includes(
        "{ noAck: false, arguments: { 'x-stream-offset': 'first' } },",
      ),
    );
    assert.ok(
      lines(program(reader, s.topology, 'python')).includes(
        "arguments={'x-stream-offset': 'first'},",
      ),
    );
    const iso = { ...reader, offset: '2026-12-01T10:00:00Z' };
    const py = lines(program(iso, s.topology, 'python'));
    assert.ok(py.includes('import datetime'), 'an ISO time needs datetime');
    assert.ok(
      py.includes(
        "arguments={'x-stream-offset': datetime.datetime.fromisoformat('2026-12-01T10:00:00+00:00')},",
      ),
    );
    assert.match(
      program(iso, s.topology, 'typescript'),
      /\{ '!': 'timestamp', value: Math\.floor\(Date\.parse\('2026-12-01T10:00:00Z'\) \/ 1000\) \}/,
    );
    const tracked = await scenario('offset-tracking');
    const ts = lines(program(actor(tracked.actors, 'C1'), tracked.topology, 'typescript'));
    assert.ok(ts.includes("const offsetFile = 'reader.offset';"));
    assert.ok(ts.includes('writeFileSync(offsetFile, offset);'));
    assert.ok(ts.includes("{ noAck: false, arguments: { 'x-stream-offset': start } },"));
  });

  test('a work-queue worker: its queue as the lab declares it, prefetch, manual ack, work', async () => {
    const s = await scenario('work-queue');
    const c1 = actor<ConsumerConfig>(s.actors, 'C1');
    const ts = program(c1, s.topology, 'typescript');
    assert.match(ts, /^\/\/ rabbit-lab · test · C1 \(consumer\), as it runs in the lab now\.$/m);
    assert.match(
      ts,
      /await channel\.assertQueue\('task_queue', \{\n\s+durable: true,\n\s+arguments: \{ 'x-queue-type': 'quorum' \},\n\s+\}\);/,
    );
    assert.ok(lines(ts).includes('await channel.prefetch(1);'));
    assert.ok(lines(ts).includes('{ noAck: false },'));
    assert.ok(lines(ts).includes('channel.ack(msg);'));
    assert.ok(lines(ts).includes("const dots = text.split('.').length - 1;"));
    assert.ok(lines(ts).includes('await sleep(300 * dots); // the work'));
    assert.ok(lines(ts).includes("import amqp from 'amqplib';"));

    const py = program(c1, s.topology, 'python');
    assert.match(py, /^# rabbit-lab · test · C1 \(consumer\)/m);
    assert.match(
      py,
      /channel\.queue_declare\(\n\s+queue='task_queue', durable=True, arguments=\{'x-queue-type': 'quorum'\}\n\)/,
    );
    assert.ok(lines(py).includes('channel.basic_qos(prefetch_count=1)'));
    assert.ok(lines(py).includes('ch.basic_ack(delivery_tag=method.delivery_tag)'));
    assert.ok(lines(py).includes('queue=queue, on_message_callback=on_message, auto_ack=False'));
    assert.ok(lines(py).includes("time.sleep(0.3 * text.count('.'))  # the work"));
  });

  test('changed settings change the program: prefetch, automatic ack, the forgotten ack', async () => {
    const s = await scenario('work-queue');
    const c1 = actor<ConsumerConfig>(s.actors, 'C1');
    const unlimited: ConsumerConfig = { ...c1, prefetch: 0, ack: 'auto' };
    const ts = program(unlimited, s.topology, 'typescript');
    assert.doesNotMatch(ts, /channel\.prefetch\(/);
    assert.match(ts, /No prefetch limit \(prefetch 0\)/);
    assert.ok(lines(ts).includes('{ noAck: true },'));
    assert.doesNotMatch(ts, /channel\.ack\(/);
    const py = program(unlimited, s.topology, 'python');
    assert.doesNotMatch(py, /basic_qos/);
    assert.match(py, /auto_ack=True/);
    assert.doesNotMatch(py, /basic_ack/);

    const fifty: ConsumerConfig = { ...c1, prefetch: 50 };
    assert.ok(
      lines(program(fifty, s.topology, 'typescript')).includes('await channel.prefetch(50);'),
    );
    assert.ok(
      lines(program(fifty, s.topology, 'python')).includes('channel.basic_qos(prefetch_count=50)'),
    );

    const never: ConsumerConfig = { ...c1, ack: 'never' };
    for (const language of ['typescript', 'python'] as const) {
      const text = program(never, s.topology, language);
      assert.match(text, /ack: never, the forgotten ack/);
      assert.doesNotMatch(text, /channel\.ack\(|basic_ack/);
      assert.match(text, language === 'typescript' ? /noAck: false/ : /auto_ack=False/);
    }
  });

  test('rejecting and batched acks', async () => {
    const s = await scenario('work-queue');
    const c1 = actor<ConsumerConfig>(s.actors, 'C1');
    const nacking: ConsumerConfig = { ...c1, nackEvery: 3, requeue: true };
    const ts = lines(program(nacking, s.topology, 'typescript'));
    assert.ok(ts.includes('if (handled % 3 === 0) {'));
    assert.ok(ts.includes('channel.nack(msg, false, true);'));
    const py = lines(program({ ...nacking, requeue: false }, s.topology, 'python'));
    assert.ok(py.includes('if handled % 3 == 0:'));
    assert.ok(py.includes('ch.basic_nack(delivery_tag=method.delivery_tag, requeue=False)'));

    const confirms = await scenario('publisher-confirms');
    const batched = actor<ConsumerConfig>(confirms.actors, 'C1');
    assert.equal(batched.ackEvery, 50);
    const tsBatch = lines(program(batched, confirms.topology, 'typescript'));
    assert.ok(tsBatch.includes('if (++unacked >= 50) flushAcks();'));
    assert.ok(tsBatch.includes('if (last) channel.ack(last, true);'));
    assert.ok(tsBatch.includes('await channel.prefetch(100);'));
    const pyBatch = lines(program(batched, confirms.topology, 'python'));
    assert.ok(pyBatch.includes('channel.basic_ack(delivery_tag=last_tag, multiple=True)'));
    assert.ok(pyBatch.includes('if unacked >= 50:'));
  });

  test('a work-queue producer: rate, persistent, confirms, the queue named by its key', async () => {
    const s = await scenario('work-queue');
    const p1 = actor<ProducerConfig>(s.actors, 'P1');
    const ts = lines(program(p1, s.topology, 'typescript'));
    assert.ok(ts.includes("const exchange = ''; // the default exchange: the key names the queue"));
    assert.ok(ts.includes("const key = 'task_queue';"));
    assert.ok(ts.includes('const body = `Task ${seq} ${dots}`;'));
    assert.ok(ts.includes('persistent: true,'));
    assert.ok(ts.includes('mandatory: true,'));
    assert.ok(ts.includes('await sleep(500); // 2 messages a second'));
    assert.ok(ts.includes('const channel = await connection.createConfirmChannel();'));
    assert.ok(ts.includes("await channel.assertQueue('task_queue', {"));
    const py = lines(program(p1, s.topology, 'python'));
    assert.ok(py.includes("body = f'Task {seq} {dots}'"));
    assert.ok(py.includes('delivery_mode=pika.spec.PERSISTENT_DELIVERY_MODE,'));
    assert.ok(py.includes('connection.sleep(0.5)  # 2 messages a second'));
    assert.ok(py.includes('channel.confirm_delivery()'));
    // The rate the lab runs now, e.g. after + or --max-rate.
    const faster = lines(program({ ...p1, rate: 20, persistent: false }, s.topology, 'typescript'));
    assert.ok(faster.includes('await sleep(50); // 20 messages a second'));
    assert.ok(faster.includes('persistent: false,'));
    const flat = program({ ...p1, rate: 0 }, s.topology, 'typescript');
    assert.doesNotMatch(flat, /await sleep\(/);
    assert.match(flat, /if \(!ok\) await once\(channel, 'drain'\);/);
  });

  test('routing: exchanges with their type, routing keys cycled, bind keys on a server-named queue', async () => {
    const s = await scenario('topic');
    const p1 = actor<ProducerConfig>(s.actors, 'P1');
    const ts = lines(program(p1, s.topology, 'typescript'));
    assert.ok(ts.includes("const exchange = 'topic_logs';"));
    assert.ok(
      ts.includes("await channel.assertExchange('topic_logs', 'topic', { durable: false });"),
    );
    assert.ok(ts.includes("'kern.critical',"));
    assert.ok(ts.includes('const key = routingKeys[(seq - 1) % routingKeys.length];'));
    assert.ok(ts.includes('const body = `${key}: log line ${seq}`;'));
    const c1 = actor<ConsumerConfig>(s.actors, 'C1');
    const tsC = lines(program(c1, s.topology, 'typescript'));
    assert.ok(
      tsC.includes("const { queue } = await channel.assertQueue('', { exclusive: true });"),
    );
    assert.ok(tsC.includes("for (const key of ['*.critical']) {"));
    assert.ok(tsC.includes("await channel.bindQueue(queue, 'topic_logs', key);"));
    const pyC = lines(program(c1, s.topology, 'python'));
    // Too long for one line: the arguments go on the next.
    const declare = pyC.indexOf('channel.exchange_declare(');
    assert.equal(pyC[declare + 1], "exchange='topic_logs', exchange_type='topic', durable=False");
    assert.ok(pyC.includes("queue = channel.queue_declare(queue='', exclusive=True).method.queue"));
    assert.ok(pyC.includes("for key in ['*.critical']:"));

    const fanout = await scenario('fanout');
    const f1 = actor<ProducerConfig>(fanout.actors, 'P1');
    assert.ok(lines(program(f1, fanout.topology, 'python')).includes("key = ''"));
  });

  test('a producer on an exchange declares the queues bound to it; a consumer its bindings', () => {
    const topology: TopologySpec = {
      exchanges: [
        { name: 'orders', type: 'direct', durable: true, autoDelete: false, arguments: {} },
      ],
      queues: [
        { name: 'eu', durable: true, exclusive: false, autoDelete: false, arguments: {} },
        { name: 'other', durable: false, exclusive: false, autoDelete: true, arguments: {} },
      ],
      bindings: [{ exchange: 'orders', queue: 'eu', keys: ['de', 'fr'] }],
    };
    const producer: ProducerConfig = {
      kind: 'producer',
      id: 'P1',
      exchange: 'orders',
      routingKeys: ['de'],
      rate: 1,
      body: 'order {seq}',
      persistent: true,
      paused: false,
    };
    const needs = needsOf(producer, topology);
    assert.deepEqual(
      needs.queues.map((q) => q.name),
      ['eu'],
    );
    assert.deepEqual(
      needs.bindings.map((b) => b.key),
      ['de', 'fr'],
    );
    const ts = lines(program(producer, topology, 'typescript'));
    assert.ok(ts.includes("await channel.assertExchange('orders', 'direct', { durable: true });"));
    assert.ok(ts.includes("await channel.bindQueue('eu', 'orders', 'fr');"));
    const consumer: ConsumerConfig = {
      kind: 'consumer',
      id: 'C1',
      queue: 'eu',
      prefetch: 1,
      ack: 'manual',
      workMs: 0,
      workPerDotMs: 0,
      nackEvery: 0,
      requeue: false,
    };
    const py = lines(program(consumer, topology, 'python'));
    assert.ok(py.includes("channel.queue_bind(queue='eu', exchange='orders', routing_key='de')"));
    assert.equal(
      py[py.indexOf('channel.exchange_declare(') + 1],
      "exchange='orders', exchange_type='direct', durable=True",
    );
    // An exchange the scenario does not declare is not declared here either: it must exist.
    const elsewhere = program({ ...producer, exchange: 'amq.topic' }, noTopology, 'typescript');
    assert.match(elsewhere, /Exchange 'amq\.topic' is not declared by the scenario/);
    assert.doesNotMatch(elsewhere, /assertExchange/);
  });

  test('rpc: the server replies to replyTo with the correlation id; the client waits for replies', async () => {
    const s = await scenario('rpc');
    const server = actor<ConsumerConfig>(s.actors, 'C1');
    const ts = lines(program(server, s.topology, 'typescript'));
    assert.ok(ts.includes('channel.sendToQueue(replyTo, answer, { correlationId });'));
    assert.ok(ts.includes('await sleep(500); // the work'));
    const py = lines(program(server, s.topology, 'python'));
    assert.ok(py.includes('routing_key=properties.reply_to,'));
    assert.ok(
      py.includes('reply = pika.BasicProperties(correlation_id=properties.correlation_id)'),
    );

    const client = actor<ProducerConfig>(s.actors, 'P1');
    const tsClient = lines(program(client, s.topology, 'typescript'));
    assert.ok(tsClient.includes("const replyTo = 'amq.rabbitmq.reply-to';"));
    assert.ok(tsClient.includes('const numbers = [10, 20, 25, 28, 30];'));
    assert.ok(tsClient.includes('const body = String(n);'));
    const own = client.rpc && { ...client, rpc: { ...client.rpc, replyTo: 'queue' as const } };
    assert.ok(own);
    assert.ok(
      lines(program(own, s.topology, 'python')).includes(
        "reply_to = channel.queue_declare(queue='', exclusive=True).method.queue",
      ),
    );
  });

  test('publisher confirms: each, batch, and a queue with arguments', async () => {
    const s = await scenario('publisher-confirms');
    const each = lines(program(actor(s.actors, 'P1'), s.topology, 'typescript'));
    assert.ok(each.includes('await channel.waitForConfirms();'));
    const batch = lines(program(actor(s.actors, 'P2'), s.topology, 'typescript'));
    assert.ok(batch.includes('if (seq % 100 === 0) {'));
    const limited = program(actor(s.actors, 'P4'), s.topology, 'python');
    assert.match(limited, /arguments=\{'x-max-length': 10, 'x-overflow': 'reject-publish'\}/);
    assert.match(
      limited,
      /\(Paused in the lab right now; this\n# program publishes from the start\.\)/,
    );
    assert.match(limited, /except NackError:/);
  });

  test('the URL: host, port and vhost of the lab, never its password', async () => {
    const s = await scenario('hello');
    const [p1] = s.actors;
    assert.ok(p1);
    for (const language of ['typescript', 'python'] as const) {
      const text = program(p1, s.topology, language, 'amqp://alice:s3cret@rabbit.example:5673/lab');
      assert.doesNotMatch(text, /s3cret/);
      assert.match(text, /'amqp:\/\/rabbit\.example:5673\/lab'/);
      assert.match(
        text,
        /The lab connects as 'alice': put that user and its password in\n(#|\/\/) RABBIT_LAB_URL/,
      );
      assert.match(text, /RABBIT_LAB_URL/);
      const local = program(p1, s.topology, language, 'amqp://guest:guest@localhost:5672');
      assert.match(local, /'amqp:\/\/localhost'/);
      assert.doesNotMatch(local, /guest/);
    }
    assert.deepEqual(programUrl('amqps://bob:pw@h.example/v%2Fh'), {
      url: 'amqps://h.example/v%2Fh',
      user: 'bob',
    });
    assert.deepEqual(programUrl(undefined), { url: 'amqp://localhost' });
  });

  test('bodies with quotes, backticks, braces and ${ stay literal text', () => {
    const producer: ProducerConfig = {
      kind: 'producer',
      id: 'P7',
      exchange: '',
      routingKeys: ["it's"],
      rate: 1,
      body: "it's `odd` ${x} {y} {actor} \\ #{seq}\n",
      persistent: false,
      paused: false,
    };
    const ts = lines(program(producer, noTopology, 'typescript'));
    assert.ok(ts.includes("const key = 'it\\'s';"));
    assert.ok(
      ts.includes("const body = `it's \\`odd\\` \\${x} {y} P7 \\\\ #${seq}\\n`;"),
      ts.join('\n'),
    );
    const py = lines(program(producer, noTopology, 'python'));
    assert.ok(py.includes("body = f'it\\'s `odd` ${{x}} {{y}} P7 \\\\ #{seq}\\n'"), py.join('\n'));
  });

  test('a retry consumer: attempt from x-death, reject without requeue, park after the last attempt', async () => {
    const s = await scenario('dead-letter-retry');
    const c1 = actor<ConsumerConfig>(s.actors, 'C1');
    assert.ok(c1.retry);
    // Everything its queue dead-letters to, hop after hop, and the parking queue.
    const needs = needsOf(c1, s.topology);
    assert.deepEqual(
      needs.exchanges.map((x) => x.name),
      ['work.dlx'],
    );
    assert.deepEqual(
      needs.queues.map((q) => q.name),
      ['work', 'work.retry', 'work.parked'],
    );
    assert.deepEqual(
      needs.bindings.map((b) => `${b.exchange}[${b.key}] → ${b.queue}`),
      ['work.dlx[retry] → work.retry', 'work.dlx[work] → work'],
    );

    const tsText = program(c1, s.topology, 'typescript');
    const ts = lines(tsText);
    assert.ok(ts.includes("import amqp, { type ConsumeMessage } from 'amqplib';"));
    assert.ok(ts.includes('const maxAttempts = 3;'));
    assert.ok(ts.includes("const parkingQueue = 'work.parked';"));
    // The attempt: rejections from this queue in x-death, plus one.
    assert.ok(ts.includes("const deaths = msg.properties.headers?.['x-death'] ?? [];"));
    assert.ok(ts.includes("if (death.queue === queue && death.reason === 'rejected') {"));
    assert.ok(ts.includes('rejected += death.count;'));
    assert.ok(ts.includes('return rejected + 1;'));
    assert.ok(ts.includes('const attempt = attemptOf(msg, queue);'));
    assert.ok(ts.includes('` attempt ${attempt} of ${maxAttempts}${back}`,'));
    // The stand-in handler fails as the lab does, by the sequence number in the message id.
    assert.ok(ts.includes('if (seq > 0 && seq % 10 === 0) {'));
    assert.ok(ts.includes('if (seq > 0 && seq % 4 === 0 && attempt === 1) {'));
    // Failed before the last attempt: nack without requeue; on the last one: park, and ack once
    // the broker confirmed the copy (a confirm channel), or requeue if it refused it.
    assert.ok(ts.includes('const channel = await connection.createConfirmChannel();'));
    const nack = ts.indexOf('channel.nack(msg, false, false);');
    const park = ts.indexOf("channel.publish('', parkingQueue, msg.content, options, (err) => {");
    const refused = ts.indexOf('if (err) return channel.nack(msg, false, true);', park);
    const parkedAck = ts.indexOf('channel.ack(msg);', park);
    assert.ok(ts.includes('if (attempt < maxAttempts) {'));
    assert.ok(nack > 0 && park > nack && refused > park && parkedAck > refused, tsText);
    assert.ok(ts.includes('messageId: p.messageId,'));
    assert.ok(ts.includes('appId: p.appId,'), 'the run the lab tells its messages by');
    assert.ok(ts.includes('headers: p.headers,'));
    assert.ok(ts.includes('persistent: p.deliveryMode === 2,'));
    assert.match(
      tsText,
      /'work' dead-letters it to exchange\n\s+\/\/ 'work\.dlx' with key 'retry'/,
    );
    // Declared as the scenario declares them, the DLX arguments included.
    assert.ok(
      ts.includes("await channel.assertExchange('work.dlx', 'direct', { durable: true });"),
    );
    assert.match(
      tsText,
      /assertQueue\('work', \{\n\s+durable: true,\n\s+arguments: \{\n\s+'x-dead-letter-exchange': 'work\.dlx',\n\s+'x-dead-letter-routing-key': 'retry',\n\s+\},\n\s+\}\);/,
    );
    assert.match(
      tsText,
      /assertQueue\('work\.retry', \{\n\s+durable: true,\n\s+arguments: \{\n\s+'x-message-ttl': 2000,\n\s+'x-dead-letter-exchange': 'work\.dlx',\n\s+'x-dead-letter-routing-key': 'work',/,
    );
    assert.ok(ts.includes("await channel.assertQueue('work.parked', { durable: true });"));
    assert.ok(ts.includes("await channel.bindQueue('work.retry', 'work.dlx', 'retry');"));
    assert.ok(ts.includes("await channel.bindQueue('work', 'work.dlx', 'work');"));

    const pyText = program(c1, s.topology, 'python');
    const py = lines(pyText);
    assert.ok(py.includes("deaths = (properties.headers or {}).get('x-death') or []"));
    assert.ok(py.includes("if death.get('queue') == queue and death.get('reason') == 'rejected'"));
    assert.ok(py.includes('attempt = attempt_of(properties, queue)'));
    assert.ok(py.includes("match = re.search(r'-(\\d+)(@\\d+)?$', properties.message_id or '')"));
    assert.ok(py.includes('if seq > 0 and seq % 4 == 0 and attempt == 1:'));
    const pyNack = py.indexOf('ch.basic_nack(delivery_tag=method.delivery_tag, requeue=False)');
    const pyPark = py.indexOf('routing_key=parking_queue,');
    const pyAck = py.indexOf('ch.basic_ack(delivery_tag=method.delivery_tag)', pyPark);
    assert.ok(pyNack > 0 && pyPark > pyNack && pyAck > pyPark, pyText);
    assert.ok(py.includes('message_id=properties.message_id,'));
    assert.ok(py.includes('headers=properties.headers,'));
    assert.ok(py.includes("'x-message-ttl': 2000,"));
    assert.ok(py.includes("channel.queue_declare(queue='work.parked', durable=True)"));
    assert.ok(py.includes("queue='work.retry', exchange='work.dlx', routing_key='retry'"), pyText);

    // No simulated failures: an honest empty handler, and no regular expression.
    const calm: ConsumerConfig = {
      ...c1,
      retry: { ...c1.retry, transientEvery: 0, poisonEvery: 0 },
    };
    const calmTs = program(calm, s.topology, 'typescript');
    assert.match(calmTs, /simulates no failures right now/);
    assert.doesNotMatch(calmTs, /seq %/);
    assert.doesNotMatch(program(calm, s.topology, 'python'), /import re\b/);
    // A parking queue the scenario does not declare is not declared here either.
    const elsewhere: ConsumerConfig = { ...c1, retry: { ...c1.retry, parkingQueue: 'held' } };
    assert.match(
      program(elsewhere, s.topology, 'typescript'),
      /Queue 'held' is not declared by the scenario/,
    );
    // Retries take manual ack in the lab; with automatic ack there are none.
    const auto = program({ ...c1, ack: 'auto' }, s.topology, 'typescript');
    assert.doesNotMatch(auto, /attemptOf|parkingQueue|channel\.nack/);
  });

  test('an HTTP endpoint: a bridge with its token, 401/404/405/413, and 202 after the confirm', async () => {
    const s = await scenario('exchange-to-queues');
    const p2 = actor<ProducerConfig>(s.actors, 'P2');
    assert.ok(p2.http);
    const tsText = program(p2, s.topology, 'typescript');
    const ts = lines(tsText);
    assert.match(tsText, /^\/\/ rabbit-lab · test · P2 \(HTTP endpoint\)/);
    assert.match(tsText, /Run it: RABBIT_LAB_HTTP_TOKEN=some-secret npx tsx P2-producer\.ts/);
    assert.ok(ts.includes("const token = process.env.RABBIT_LAB_HTTP_TOKEN ?? '';"));
    assert.ok(ts.includes("if (token === '') {"));
    assert.ok(ts.includes('process.exit(2);'));
    assert.ok(ts.includes('const port = 0; // 0: any free port (printed when it listens)'));
    assert.ok(ts.includes("const exchange = 'events';"));
    assert.ok(ts.includes('const maxBodyBytes = 64 * 1024; // larger bodies get 413'));
    assert.ok(
      ts.includes('return given.length === expected.length && timingSafeEqual(given, expected);'),
    );
    assert.ok(ts.includes("return answer(res, 401, { error: 'missing or wrong bearer token' });"));
    assert.ok(ts.includes("return answer(res, 405, { error: 'use POST' });"));
    assert.ok(ts.includes('if (match[1] !== encodeURIComponent(exchange)) {'));
    assert.ok(ts.includes('return answer(res, 413, { error });'));
    assert.equal(ts.filter((l) => l === 'return answer(res, 404, { error });').length, 2);
    // The 202 only after the broker's confirm, on a confirm channel, published with mandatory.
    assert.ok(ts.includes('const channel = await connection.createConfirmChannel();'));
    assert.ok(ts.includes('mandatory: true,'));
    const confirmed = ts.indexOf('const ok = await publish(key, body, id);');
    const accepted = ts.indexOf(
      'answer(res, 202, { id, exchange, routingKey, confirmed: true, routed });',
    );
    assert.ok(confirmed > 0 && accepted > confirmed, tsText);
    assert.ok(
      ts.includes("return answer(res, 502, { id, error: 'the broker refused it (nack)' });"),
    );
    assert.ok(ts.includes("server.listen(port, '127.0.0.1', () => {"));
    assert.ok(ts.includes("await channel.assertExchange('events', 'fanout', { durable: true });"));
    assert.ok(ts.includes("await channel.bindQueue('billing', 'events', '');"));

    const pyText = program(p2, s.topology, 'python');
    const py = lines(pyText);
    assert.ok(py.includes("token = os.environ.get('RABBIT_LAB_HTTP_TOKEN', '')"));
    assert.ok(py.includes('sys.exit('));
    assert.ok(py.includes('if not hmac.compare_digest(given.encode(), token.encode()):'));
    assert.ok(py.includes("return self.answer(401, {'error': error}, challenge)"));
    assert.ok(py.includes("return self.answer(405, {'error': error}, [('Allow', 'POST')])"));
    assert.ok(py.includes('if length > max_body_bytes:'));
    assert.ok(py.includes("return self.answer(413, {'error': error})"));
    assert.ok(py.includes('channel.confirm_delivery()'));
    assert.ok(py.includes('mandatory=True,'));
    const pyPublish = py.indexOf('channel.basic_publish(');
    const pyAccepted = py.indexOf('self.answer(202, reply)');
    assert.ok(pyPublish > 0 && pyAccepted > pyPublish, pyText);
    assert.ok(py.includes("server = HTTPServer(('127.0.0.1', port), Bridge)"));
    assert.ok(py.includes('connection.process_data_events(time_limit=0)'));

    // A fixed port, and several keys in turn when ?key= is not given.
    const fixed: ProducerConfig = { ...p2, http: { port: 8080 }, routingKeys: ['a', 'b'] };
    const fixedTs = lines(program(fixed, s.topology, 'typescript'));
    assert.ok(fixedTs.includes('const port = 8080;'));
    assert.ok(
      fixedTs.includes('const key = asked ?? routingKeys[(seq - 1) % routingKeys.length];'),
    );
    assert.match(program(fixed, s.topology, 'python'), /It listens on 127\.0\.0\.1:8080/);
    assert.ok(
      lines(program(fixed, s.topology, 'python')).includes(
        'default_key = routing_keys[(seq - 1) % len(routing_keys)]',
      ),
    );
  });

  test('a service queue added live: the program of its consumer declares and binds it', async () => {
    const { scenario: s } = await resolveScenario('exchange-to-queues');
    let state = initialState(
      { name: s.name, title: s.title, lesson: s.lesson, topology: s.topology },
      {
        redactedUrl: 'amqp://localhost',
        managementUrl: '',
        embedded: false,
        version: '',
        vhost: '/',
      },
      0,
    );
    state = reduce(state, {
      type: 'bound',
      exchange: 'events',
      queue: 'analytics',
      keys: [''],
      at: 1,
      durable: true,
    });
    const topology = state.scenario.topology;
    assert.ok(topology);
    const consumer: ConsumerConfig = {
      kind: 'consumer',
      id: 'C3',
      queue: 'analytics',
      prefetch: 10,
      ack: 'manual',
      workMs: 20,
      workPerDotMs: 0,
      nackEvery: 0,
      requeue: false,
    };
    const ts = lines(program(consumer, topology, 'typescript'));
    assert.ok(ts.includes("await channel.assertExchange('events', 'fanout', { durable: true });"));
    assert.ok(ts.includes("await channel.assertQueue('analytics', { durable: true });"));
    assert.ok(ts.includes("await channel.bindQueue('analytics', 'events', '');"));
    const py = lines(program(consumer, topology, 'python'));
    assert.ok(py.includes("channel.queue_declare(queue='analytics', durable=True)"));
    assert.ok(
      py.includes("channel.queue_bind(queue='analytics', exchange='events', routing_key='')"),
    );
    // The emitter's program now declares the new queue too: it is bound to its exchange.
    const emitter = actor<ProducerConfig>(scenarioActors(s), 'P1');
    assert.ok(
      lines(program(emitter, topology, 'typescript')).includes(
        "await channel.bindQueue('analytics', 'events', '');",
      ),
    );
  });

  test('every built-in actor in both languages: lines fit an 80-column screen', async () => {
    for (const { scenario: s } of await loadCatalog()) {
      for (const a of scenarioActors(s)) {
        for (const language of ['typescript', 'python'] as const) {
          const text = generateProgram(
            { actor: a, topology: s.topology, scenario: s.name },
            language,
          );
          for (const line of text.split('\n')) {
            assert.ok(line.length <= 78, `${s.name} ${a.id} ${language}: ${line}`);
          }
        }
      }
    }
  });

  test('languages by name', () => {
    assert.equal(parseLanguage('ts'), 'typescript');
    assert.equal(parseLanguage('TypeScript'), 'typescript');
    assert.equal(parseLanguage('python'), 'python');
    assert.equal(parseLanguage('py'), 'python');
    assert.equal(parseLanguage('java'), undefined);
  });
});
