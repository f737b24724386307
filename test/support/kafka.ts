/**
 * Real-broker helpers for integration tests: random topic and group names, topic creation with cleanup,
 * bulk produce, and a collector that reads a topic from the beginning. There is no mock: without a broker
 * on KAFKA_BROKERS (default 127.0.0.1:9092) these fail loudly, naming the address.
 */
import { randomBytes } from 'node:crypto';
import { type Admin, type IHeaders, Kafka, logLevel, type Message } from 'kafkajs';
import { createTopicsReady, type TopicSpec } from '../../devtools/topics.ts';

export const BROKERS = (process.env.KAFKA_BROKERS ?? '127.0.0.1:9092').split(',');

export function uniqueName(prefix: string): string {
  return `${prefix}-${Date.now().toString(36)}-${randomBytes(3).toString('hex')}`;
}

/** `brokers`, here and below: another broker than the shared one (a test's private broker). */
export function testKafka(brokers: readonly string[] = BROKERS): Kafka {
  return new Kafka({ clientId: 'stream-scorer-test', brokers: [...brokers], logLevel: logLevel.NOTHING, retry: { retries: 3 } });
}

export async function withAdmin<T>(fn: (admin: Admin) => Promise<T>, brokers: readonly string[] = BROKERS): Promise<T> {
  const admin = testKafka(brokers).admin();
  try {
    await admin.connect();
  } catch (cause) {
    throw new Error(`no Kafka broker answers on ${brokers.join(',')}: start one with "npm run broker:start"`, { cause });
  }
  try {
    return await fn(admin);
  } finally {
    await admin.disconnect();
  }
}

/** Creates topics and waits until every partition has a leader (see devtools/topics.ts). */
export async function createTopics(topics: readonly TopicSpec[], brokers: readonly string[] = BROKERS): Promise<void> {
  await withAdmin((admin) => createTopicsReady(admin, topics), brokers);
}

export async function deleteTopics(topics: readonly string[], brokers: readonly string[] = BROKERS): Promise<void> {
  await withAdmin((admin) => admin.deleteTopics({ topics: [...topics] }), brokers).catch(() => undefined);
}

/**
 * Produces in chunks with acks=all; messages keep their order within a partition. Idempotent, so a send
 * retried under load cannot write a record twice: the tests count inputs, and a duplicated input would
 * look like an extra prediction (seen once in CI: 20,016 records for 20,000 sent).
 */
export async function produce(topic: string, messages: readonly Message[], chunk = 1000): Promise<void> {
  const producer = testKafka().producer({ allowAutoTopicCreation: false, idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  try {
    for (let i = 0; i < messages.length; i += chunk) {
      await producer.send({ topic, acks: -1, messages: messages.slice(i, i + chunk) });
    }
  } finally {
    await producer.disconnect();
  }
}

export interface Collected {
  readonly topic: string;
  readonly partition: number;
  readonly offset: number;
  readonly key: Buffer | null;
  readonly value: Buffer | null;
  readonly headers: IHeaders;
  /** The record's timestamp (ms), where the reader kept it (collect does). */
  readonly timestamp?: number;
}

/**
 * Reads `topic` (or several, into one list) from the beginning with a fresh group until `until(all)`
 * holds or `timeoutMs` passes; returns what it read either way (the test then asserts on it).
 */
export async function collect(
  topic: string | readonly string[],
  until: (all: readonly Collected[]) => boolean,
  timeoutMs: number,
  brokers: readonly string[] = BROKERS,
): Promise<Collected[]> {
  const consumer = testKafka(brokers).consumer({ groupId: uniqueName('collector'), maxWaitTimeInMs: 100 });
  const all: Collected[] = [];
  await consumer.connect();
  await consumer.subscribe({ topics: typeof topic === 'string' ? [topic] : [...topic], fromBeginning: true });
  let done!: () => void;
  const finished = new Promise<void>((resolve) => (done = resolve));
  const timer = setTimeout(done, timeoutMs);
  if (until(all)) done();
  await consumer.run({
    eachBatch: async ({ batch }) => {
      for (const m of batch.messages) {
        all.push({
          topic: batch.topic,
          partition: batch.partition,
          offset: Number(m.offset),
          key: m.key,
          value: m.value,
          headers: m.headers ?? {},
          timestamp: Number(m.timestamp),
        });
      }
      if (until(all)) done();
    },
  });
  await finished;
  clearTimeout(timer);
  await consumer.disconnect();
  return all;
}

/** The group's committed offsets for a topic, by partition (-1 when none). */
export async function committedOffsets(groupId: string, topic: string, brokers: readonly string[] = BROKERS): Promise<Map<number, number>> {
  return withAdmin(async (admin) => {
    const [entry] = await admin.fetchOffsets({ groupId, topics: [topic] });
    return new Map((entry?.partitions ?? []).map((p) => [p.partition, Number(p.offset)]));
  }, brokers);
}

/** Log end offsets by partition. */
export async function endOffsets(topic: string, brokers: readonly string[] = BROKERS): Promise<Map<number, number>> {
  return withAdmin(async (admin) => {
    const offsets = await admin.fetchTopicOffsets(topic);
    return new Map(offsets.map((o) => [o.partition, Number(o.high)]));
  }, brokers);
}
