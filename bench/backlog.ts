/**
 * Writes a backlog of W1 payment events before a drain's subject starts: the load generator's own
 * producer code (loadgen/open-loop-producer.ts with a `--rate max --count N` schedule, the same Avro
 * records and explicit partitions), without its prediction collector, which a backlog has no use for.
 */
import { readFileSync } from 'node:fs';
import { SchemaRegistry } from '@kafkajs/confluent-schema-registry';
import { Kafka, logLevel } from 'kafkajs';
import { avroRecords } from '../loadgen/event-records.ts';
import { explicitPartitioner, OpenLoopProducer } from '../loadgen/open-loop-producer.ts';
import { OpenLoopSchedule } from '../loadgen/schedule.ts';
import { AvroEncoder } from '../src/codecs/avro.ts';

const PAYMENT_SCHEMA = new URL('../schemas/payment-event.avsc', import.meta.url);
/** A max phase ends at the count; this only bounds a broker that stops acknowledging. */
const MAX_PRODUCE_MS = 10 * 60_000;

export interface BacklogRequest {
  readonly brokers: readonly string[];
  readonly registryUrl: string;
  readonly topic: string;
  readonly partitions: number;
  readonly events: number;
}

export interface BacklogResult {
  /** Events the broker acknowledged. */
  readonly sent: number;
  readonly sendErrors: number;
  readonly ms: number;
}

const clock = (): number => performance.timeOrigin + performance.now();

export async function produceBacklog(request: BacklogRequest): Promise<BacklogResult> {
  const kafka = new Kafka({ clientId: 'stream-scorer-bench-backlog', brokers: [...request.brokers], logLevel: logLevel.NOTHING });
  const registry = new SchemaRegistry({ host: request.registryUrl });
  const schema = JSON.parse(readFileSync(PAYMENT_SCHEMA, 'utf8')) as object;
  const encoder = await AvroEncoder.create(registry, `${request.topic}-value`, schema);
  const records = avroRecords(encoder, { seed: 1, accounts: 10_000, keys: { kind: 'uniform' }, partitions: request.partitions });
  const producer = kafka.producer({ allowAutoTopicCreation: false, createPartitioner: explicitPartitioner });
  await producer.connect();
  try {
    const schedule = new OpenLoopSchedule({ phases: [{ rate: 'max', durationMs: MAX_PRODUCE_MS }] }, request.events);
    const openLoop = new OpenLoopProducer({ producer, topic: request.topic, records, schedule, clock });
    const t0 = clock();
    await openLoop.run(Math.floor(t0));
    return { sent: openLoop.sent, sendErrors: openLoop.sendErrors, ms: clock() - t0 };
  } finally {
    await producer.disconnect();
  }
}
