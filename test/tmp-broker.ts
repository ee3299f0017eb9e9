import { startEmbeddedBroker } from '../source/broker/embedded.js';
const t0 = Date.now();
const b = await startEmbeddedBroker({ preferStandardPorts: true });
console.log(`ready ${Date.now() - t0} ms ${b.amqpUrl} ${b.managementUrl}`);
process.on('SIGTERM', () => { void b.stop().then(() => process.exit(0)); });
setInterval(() => {}, 1000);
