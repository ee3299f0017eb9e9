/**
 * Behaves as the official tutorial 2 worker does (rabbitmq-tutorials, javascript-nodejs): declares
 * task_queue durable (a classic queue), prefetch 1, manual ack after one second per '.' in the
 * body. `--seconds-per-dot` slows it down, so a test can end a run while it is still busy.
 * Prints `ready` once it consumes and `done <n>` after each ack.
 */
import amqp from 'amqplib';

const url = process.argv[2] ?? 'amqp://localhost';
const perDot = Number(process.argv[process.argv.indexOf('--seconds-per-dot') + 1] ?? 1) || 1;
const connection = await amqp.connect(url);
const channel = await connection.createChannel();
await channel.assertQueue('task_queue', { durable: true });
await channel.prefetch(1);
let done = 0;
await channel.consume(
  'task_queue',
  (msg) => {
    if (!msg) return;
    const dots = msg.content.toString().split('.').length - 1;
    process.stdout.write(`got ${String(msg.properties.messageId)}\n`);
    setTimeout(
      () => {
        channel.ack(msg);
        process.stdout.write(`done ${++done}\n`);
      },
      dots * perDot * 1000,
    );
  },
  { noAck: false },
);
process.stdout.write('ready\n');
process.on('SIGTERM', () => {
  void connection.close().finally(() => process.exit(0));
});
