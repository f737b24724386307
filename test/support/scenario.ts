/**
 * Building blocks of the integration scenarios: golden-driven events, Avro/JSON producing through the
 * registry (the real client is the oracle, not our codecs), prediction decoding, and scorer configs.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { type SchemaRegistry, SchemaType } from '@kafkajs/confluent-schema-registry';
import type { Message } from 'kafkajs';
import type { ClientName } from '../../src/kafka/client.ts';
import { BROKERS, type Collected, createTopics, deleteTopics, produce, uniqueName } from './kafka.ts';
import { REPO_ROOT } from './scorer-process.ts';

export interface GoldenRow {
  readonly event: Record<string, unknown>;
  readonly score: number;
  readonly label: string;
}

export const FRAUD_GOLDEN: { tolerance: number; rows: GoldenRow[] } = JSON.parse(readFileSync(join(REPO_ROOT, 'models', 'fraud', '1', 'golden.json'), 'utf8'));

export const PAYMENT_SCHEMA = JSON.parse(readFileSync(join(REPO_ROOT, 'schemas', 'payment-event.avsc'), 'utf8')) as object;

export interface TestEvent {
  readonly key: string;
  readonly event: Record<string, unknown>;
  readonly golden: GoldenRow;
}

/** n events cycling through the golden rows; keys repeat (so per-key order is exercised). */
export function goldenEvents(n: number, keys = 500): TestEvent[] {
  const rows = FRAUD_GOLDEN.rows;
  const events: TestEvent[] = [];
  for (let i = 0; i < n; i++) {
    const golden = rows[i % rows.length] as GoldenRow;
    const key = `acct-${i % keys}`;
    events.push({ key, golden, event: { ...golden.event, event_id: `evt-${i}`, account_id: key } });
  }
  return events;
}

export async function registerPaymentSchema(registry: SchemaRegistry, topic: string, schema: object = PAYMENT_SCHEMA): Promise<number> {
  const { id } = await registry.register({ type: SchemaType.AVRO, schema: JSON.stringify(schema) }, { subject: `${topic}-value` });
  return id;
}

export async function avroMessages(registry: SchemaRegistry, schemaId: number, events: readonly TestEvent[]): Promise<Message[]> {
  const out: Message[] = [];
  for (const e of events) out.push({ key: e.key, value: await registry.encode(schemaId, e.event) });
  return out;
}

export function jsonMessages(events: readonly TestEvent[]): Message[] {
  return events.map((e) => ({ key: e.key, value: JSON.stringify(e.event) }));
}

export async function produceEvents(topic: string, messages: readonly Message[]): Promise<void> {
  await produce(topic, messages);
}

export interface Prediction {
  readonly key: string | null;
  readonly outPartition: number;
  readonly outOffset: number;
  readonly score: number;
  readonly label: string | null;
  readonly model_name: string;
  readonly model_version: number;
  readonly source_topic: string;
  readonly source_partition: number;
  readonly source_offset: number;
  readonly event_timestamp: number;
  readonly scored_at: number;
}

export async function decodePredictions(collected: readonly Collected[], registry?: SchemaRegistry): Promise<Prediction[]> {
  const out: Prediction[] = [];
  for (const c of collected) {
    const value = registry ? await registry.decode(c.value as Buffer) : JSON.parse((c.value as Buffer).toString('utf8'));
    out.push({ ...value, source_offset: Number(value.source_offset), key: c.key?.toString() ?? null, outPartition: c.partition, outOffset: c.offset });
  }
  return out;
}

/** "partition:offset" of the input record a prediction or DLQ record came from. */
export function sourceId(partition: number, offset: number): string {
  return `${partition}:${offset}`;
}

export interface ScorerConfigOptions {
  /** Absent: the configuration's default client. */
  readonly client?: ClientName;
  readonly groupId: string;
  readonly registryUrl?: string;
  readonly inputs: readonly { topic: string; format: 'avro' | 'json' }[];
  readonly output: string;
  readonly outputFormat: 'avro' | 'json';
  readonly deadLetter: string;
  /** Absent: KAFKA_BROKERS (the shared broker). */
  readonly brokers?: readonly string[];
  readonly extra?: Record<string, unknown>;
}

export function scorerConfig(o: ScorerConfigOptions): Record<string, unknown> {
  return {
    kafka: {
      ...(o.client === undefined ? {} : { client: o.client }),
      brokers: o.brokers ?? BROKERS,
      groupId: o.groupId,
      clientId: o.groupId,
    },
    ...(o.registryUrl ? { schemaRegistry: { url: o.registryUrl } } : {}),
    // Version 1: FRAUD_GOLDEN is its golden file (fraud/2 is the example flows' A/B candidate).
    models: { repository: join(REPO_ROOT, 'models'), serve: [{ name: 'fraud', version: 1 }] },
    inputs: o.inputs.map((i) => ({ topic: i.topic, format: i.format, model: 'fraud' })),
    output: { topic: o.output, format: o.outputFormat, schemaFile: join(REPO_ROOT, 'schemas', 'prediction.avsc') },
    deadLetter: { topic: o.deadLetter },
    log: { level: 'info' },
    ...o.extra,
  };
}

export interface ScenarioTopics {
  readonly input: string;
  readonly output: string;
  readonly dlq: string;
}

/** Fresh input, output and dead-letter topics named after the scenario, deleted when the test ends. */
export async function scenarioTopics(
  t: { after(fn: () => unknown): void },
  name: string,
  partitions: number,
  brokers: readonly string[] = BROKERS,
): Promise<ScenarioTopics> {
  const input = uniqueName(`${name}-in`);
  const output = uniqueName(`${name}-out`);
  const dlq = `${output}.dlq`;
  await createTopics(
    [
      { topic: input, partitions },
      { topic: output, partitions },
      { topic: dlq, partitions: 1 },
    ],
    brokers,
  );
  t.after(() => deleteTopics([input, output, dlq], brokers));
  return { input, output, dlq };
}

/** Distinct input records ("partition:offset") that JSON predictions answer, read without decoding. */
export function uniqueSources(collected: readonly { value: Buffer | null }[]): number {
  return new Set(
    collected.map((c) =>
      /"source_partition":(\d+).*"source_offset":(\d+)/
        .exec((c.value as Buffer).toString())
        ?.slice(1, 3)
        .join(':'),
    ),
  ).size;
}
