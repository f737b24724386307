/**
 * Produces sample payment events as fast as the broker takes them (Avro through the schema registry, or
 * JSON), creating the demo topics first when asked. The open-loop, rate-scheduled generator with latency
 * measurement is the benchmark's job (issue 3); this is what the demo and a first smoke test need.
 *
 *   node loadgen/produce.ts --count 50000 [--topic payments] [--format avro|json]
 *     [--registry http://127.0.0.1:8081] [--brokers 127.0.0.1:9092] [--create-topics predictions,predictions.dlq]
 */

import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { SchemaRegistry, SchemaType } from '@kafkajs/confluent-schema-registry';
import { Kafka, logLevel, type Message } from 'kafkajs';
import { createEventGenerator } from './events.ts';

const { values } = parseArgs({
  options: {
    count: { type: 'string', default: '50000' },
    topic: { type: 'string', default: 'payments' },
    format: { type: 'string', default: 'avro' },
    registry: { type: 'string', default: 'http://127.0.0.1:8081' },
    brokers: { type: 'string', default: '127.0.0.1:9092' },
    partitions: { type: 'string', default: '6' },
    'create-topics': { type: 'string', default: '' },
    seed: { type: 'string', default: '1' },
  },
});
const count = Number(values.count);
if (!Number.isInteger(count) || count < 1) throw new Error(`--count must be a positive integer, got ${values.count}`);
if (values.format !== 'avro' && values.format !== 'json') throw new Error(`--format must be avro or json, got ${values.format}`);

const kafka = new Kafka({ clientId: 'stream-scorer-loadgen', brokers: values.brokers.split(','), logLevel: logLevel.NOTHING });
await ensureTopics([values.topic, ...values['create-topics'].split(',').filter(Boolean)], Number(values.partitions));
const encode = await encoder();
const producer = kafka.producer({ allowAutoTopicCreation: false });
await producer.connect();
const generator = createEventGenerator({ seed: Number(values.seed) });
const started = performance.now();
const CHUNK = 2000;
for (let sent = 0; sent < count; ) {
  const messages: Message[] = [];
  for (let i = 0; i < CHUNK && sent + i < count; i++) {
    const event = generator.next(Date.now());
    messages.push({ key: event.account_id, value: await encode(event) });
  }
  await producer.send({ topic: values.topic, acks: -1, messages });
  sent += messages.length;
  if (sent % 20_000 < CHUNK) process.stderr.write(`\rproduced ${sent}/${count} events to ${values.topic} (${values.format})`);
}
const seconds = (performance.now() - started) / 1000;
process.stderr.write(`\rproduced ${count} events to ${values.topic} in ${seconds.toFixed(1)} s (${Math.round(count / seconds)} events/s)\n`);
await producer.disconnect();

async function ensureTopics(topics: string[], partitions: number): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  const existing = new Set(await admin.listTopics());
  const missing = topics.filter((t) => !existing.has(t));
  if (missing.length > 0) {
    await admin.createTopics({ waitForLeaders: true, topics: missing.map((topic) => ({ topic, numPartitions: partitions, replicationFactor: 1 })) });
    process.stderr.write(`created topics ${missing.join(', ')} (${partitions} partitions)\n`);
  }
  await admin.disconnect();
}

async function encoder(): Promise<(event: object) => Promise<Buffer> | Buffer> {
  if (values.format === 'json') return (event) => Buffer.from(JSON.stringify(event));
  const registry = new SchemaRegistry({ host: values.registry });
  const schema = readFileSync(new URL('../schemas/payment-event.avsc', import.meta.url), 'utf8');
  const { id } = await registry.register({ type: SchemaType.AVRO, schema }, { subject: `${values.topic}-value` });
  return (event) => registry.encode(id, event);
}
