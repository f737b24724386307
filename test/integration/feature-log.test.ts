/**
 * The feature log on a real broker: every scored event's features as the model was fed them, its
 * prediction and its lineage on the feature-log topic, Avro through the registry, joinable to the
 * inputs one to one. A plain input (Avro, events with missing optional fields that take their
 * defaults), on each client; a flow whose preprocess hook changes a feature and which fans out to two
 * models (one record per prediction, with the feature as changed); and exactly-once, where a
 * read_committed reader sees each input's feature-log record exactly once, in the transactions of its
 * prediction.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import type { SchemaRegistry } from '@kafkajs/confluent-schema-registry';
import { parse } from 'yaml';
import type { FeatureLogEntry } from '../../src/codecs/feature-log-writer.ts';
import { CLIENTS, EXACTLY_ONCE } from '../support/clients.ts';
import { readCommitted } from '../support/committed-read.ts';
import { FLOW_HOOKS, flowRepository } from '../support/flow-repository.ts';
import { BROKERS, type Collected, collect, committedOffsets, createTopics, deleteTopics, endOffsets, uniqueName } from '../support/kafka.ts';
import { realRegistry } from '../support/registry.ts';
import {
  avroMessages,
  goldenEvents,
  jsonMessages,
  produceEvents,
  registerPaymentSchema,
  type ScenarioTopics,
  scenarioTopics,
  scorerConfig,
  sourceId,
  type TestEvent,
} from '../support/scenario.ts';
import { REPO_ROOT, startScorer, stopScorer } from '../support/scorer-process.ts';

const EVENTS = 3000;
const PARTITIONS = 3;
const FEATURE_LOG_SCHEMA = join(REPO_ROOT, 'schemas', 'feature-log.avsc');

/** A record as the registry client decodes it: the entry's fields, the key as a Buffer, and the two maps. */
interface FeatureLogRecord extends Omit<FeatureLogEntry, 'key'> {
  readonly key: Buffer | null;
  readonly features: Readonly<Record<string, number>>;
  readonly string_features: Readonly<Record<string, string>>;
}

interface SpecField {
  readonly field: string;
  readonly default?: number | string;
  readonly dtype: string;
}

/** The fraud model's feature spec, read from its config.yaml: the test's own reading of what the model is fed. */
function specFields(version: number): SpecField[] {
  const config = parse(readFileSync(join(REPO_ROOT, 'models', 'fraud', String(version), 'config.yaml'), 'utf8')) as {
    inputs: { dtype: string; fields: (string | { field: string; default?: number | string })[] }[];
  };
  return config.inputs.flatMap((input) => input.fields.map((f) => (typeof f === 'string' ? { field: f, dtype: input.dtype } : { ...f, dtype: input.dtype })));
}

/** What the tensor holds for an event: its value, or the field's default when it is null; float32 for numbers. */
function expectedFeatures(event: Readonly<Record<string, unknown>>, fields: readonly SpecField[]) {
  const features: Record<string, number> = {};
  const strings: Record<string, string> = {};
  for (const f of fields) {
    const value = event[f.field] ?? f.default;
    if (f.dtype === 'string') strings[f.field] = value as string;
    else features[f.field] = Math.fround(Number(value));
  }
  return { features, string_features: strings };
}

async function decodeAll(collected: readonly Collected[], registry: SchemaRegistry): Promise<FeatureLogRecord[]> {
  const out: FeatureLogRecord[] = [];
  for (const c of collected) {
    const value = (await registry.decode(c.value as Buffer)) as FeatureLogRecord;
    out.push({ ...value, source_offset: Number(value.source_offset) });
  }
  return out;
}

/** Each input record's event (found by its event id) and timestamp, by "partition:offset". */
async function inputsBySource(input: string, events: readonly TestEvent[]): Promise<Map<string, { event: TestEvent; timestamp: number }>> {
  const inputs = await collect(input, (all) => all.length >= events.length, 60_000);
  const byId = new Map(events.map((e) => [e.event.event_id as string, e]));
  const at = new Map<string, { event: TestEvent; timestamp: number }>();
  for (const rec of inputs) {
    const match = /evt-\d+/.exec((rec.value as Buffer).toString('latin1'));
    assert.ok(match, 'input record carries its event id');
    at.set(sourceId(rec.partition, rec.offset), { event: byId.get(match[0]) as TestEvent, timestamp: rec.timestamp ?? 0 });
  }
  return at;
}

/** Golden events, every seventh with its optional fields null (the model takes their defaults). */
function eventsWithGaps(n: number): TestEvent[] {
  return goldenEvents(n).map((e, i) =>
    i % 7 === 3 ? { ...e, event: { ...e.event, email_risk_score: null, merchant_risk_score: null, country: null, avs_match: null } } : e,
  );
}

/**
 * One partition by default: a send's feature-log records then land in one record batch, which must stay
 * under the broker's message.max.bytes (the sender cuts sends by bytes: delivery/send-size.ts).
 */
async function featureLogTopic(t: { after(fn: () => unknown): void }, name: string, partitions = 1): Promise<string> {
  const topic = uniqueName(`${name}-features`);
  await createTopics([{ topic, partitions }]);
  t.after(() => deleteTopics([topic]));
  return topic;
}

function featureLogConfig(topic: string) {
  return { featureLog: { topic, schemaFile: FEATURE_LOG_SCHEMA } };
}

/** One record per input offset, each equal to what was decoded and to the prediction written for it. */
function assertJoinsOneToOne(
  records: readonly FeatureLogRecord[],
  inputs: ReadonlyMap<string, { event: TestEvent; timestamp: number }>,
  input: string,
  fields: readonly SpecField[],
) {
  const seen = new Set<string>();
  for (const r of records) {
    const id = sourceId(r.source_partition, r.source_offset);
    assert.ok(!seen.has(id), `two feature-log records for ${id}`);
    seen.add(id);
    const origin = inputs.get(id);
    assert.ok(origin, `feature-log record for an offset never produced: ${id}`);
    assert.equal(r.source_topic, input);
    assert.equal(r.event_timestamp, origin.timestamp, `event_timestamp of ${id}`);
    assert.equal(r.key?.toString(), origin.event.key, `key of ${id}`);
    assert.deepEqual({ features: r.features, string_features: r.string_features }, expectedFeatures(origin.event.event, fields), `features of ${id}`);
  }
  assert.equal(seen.size, inputs.size, 'every input offset has its feature-log record');
}

async function plainScenario(t: { after(fn: () => unknown): void }, name: string) {
  const topics = await scenarioTopics(t, name, PARTITIONS);
  const features = await featureLogTopic(t, name);
  const reg = await realRegistry();
  const events = eventsWithGaps(EVENTS);
  await produceEvents(topics.input, await avroMessages(reg.registry, await registerPaymentSchema(reg.registry, topics.input), events));
  return { topics, features, reg, events };
}

function plainConfig(client: (typeof CLIENTS)[number], groupId: string, registryUrl: string, topics: ScenarioTopics, features: string, extra = {}) {
  return scorerConfig({
    client,
    groupId,
    registryUrl,
    inputs: [{ topic: topics.input, format: 'avro' }],
    output: topics.output,
    outputFormat: 'avro',
    deadLetter: topics.dlq,
    extra: { ...featureLogConfig(features), ...extra },
  });
}

for (const client of CLIENTS) {
  test(`[${client}] a plain input's feature log joins its inputs one to one: every offset once, features as decoded (defaults included), the prediction's score`, async (t) => {
    const { topics, features, reg, events } = await plainScenario(t, `flog-${client}`);
    const groupId = uniqueName('flog-group');
    const scorer = await startScorer(plainConfig(client, groupId, reg.url, topics, features));
    t.after(() => stopScorer(scorer, 'SIGKILL', 5000));
    await scorer.waitReady();
    const logged = await collect(features, (all) => all.length >= EVENTS, 120_000);
    const predicted = await collect(topics.output, (all) => all.length >= EVENTS, 60_000);
    const { code } = await stopScorer(scorer, 'SIGTERM', 35_000);
    assert.equal(code, 0, `scorer exit code; logs:\n${scorer.logs().slice(-3000)}`);

    const records = await decodeAll(logged, reg.registry);
    assertJoinsOneToOne(records, await inputsBySource(topics.input, events), topics.input, specFields(1));
    const written = new Map<string, { score: number; label: string | null }>();
    for (const c of predicted) {
      const p = (await reg.registry.decode(c.value as Buffer)) as { source_partition: number; source_offset: number; score: number; label: string | null };
      written.set(sourceId(p.source_partition, Number(p.source_offset)), { score: p.score, label: p.label });
    }
    for (const r of records) {
      const p = written.get(sourceId(r.source_partition, r.source_offset));
      assert.deepEqual({ score: r.score, label: r.label }, p, 'the feature log carries the score and label the prediction says');
      assert.deepEqual([r.model_name, r.model_version, r.flow, r.experiment, r.fallback], ['fraud', 1, null, null, false]);
    }
    assert.deepEqual(await committedOffsets(groupId, topics.input), await endOffsets(topics.input), 'committed offsets reach the end of every partition');
  });
}

for (const client of CLIENTS.filter((c) => EXACTLY_ONCE[c])) {
  test(`[${client}] exactly-once: a read_committed reader sees each input's feature-log record exactly once`, async (t) => {
    const { topics, features, reg, events } = await plainScenario(t, `flog-eos-${client}`);
    const groupId = uniqueName('flog-eos-group');
    const config = plainConfig(client, groupId, reg.url, topics, features, { delivery: { guarantee: 'exactly-once' } });
    const scorer = await startScorer(config);
    t.after(() => stopScorer(scorer, 'SIGKILL', 5000));
    await scorer.waitReady();
    await collect(features, (all) => all.length >= EVENTS, 120_000);
    const { code } = await stopScorer(scorer, 'SIGTERM', 35_000);
    assert.equal(code, 0, `scorer exit code; logs:\n${scorer.logs().slice(-3000)}`);
    const committed = await readCommitted(features, await endOffsets(features), BROKERS, 30_000);
    const records = await decodeAll(committed, reg.registry);
    assertJoinsOneToOne(records, await inputsBySource(topics.input, events), topics.input, specFields(1));
    assert.deepEqual(await committedOffsets(groupId, topics.input), await endOffsets(topics.input), 'the transactions committed every input offset');
  });
}

test('a flow logs one record per prediction: features after its preprocess hook, for each model it fans out to', async (t) => {
  const topics = await scenarioTopics(t, 'flog-flow', PARTITIONS);
  const features = await featureLogTopic(t, 'flog-flow', PARTITIONS);
  const reg = await realRegistry();
  const repository = await flowRepository(t);
  // Lower case: the flow's preprocess hook upper-cases country, so the models are fed "GB".
  const events = eventsWithGaps(1200).map((e, i) => (i % 5 === 2 ? { ...e, event: { ...e.event, country: 'gb' } } : e));
  await produceEvents(topics.input, jsonMessages(events));
  const groupId = uniqueName('flog-flow-group');
  const base = scorerConfig({ groupId, registryUrl: reg.url, inputs: [], output: topics.output, outputFormat: 'json', deadLetter: topics.dlq });
  const scorer = await startScorer({
    ...base,
    ...featureLogConfig(features),
    models: {
      repository,
      serve: [
        { name: 'fraud', version: 1 },
        { name: 'fraud', version: 2 },
      ],
    },
    flows: [{ name: 'payments', inputs: [{ topic: topics.input, format: 'json' }], preprocess: `${FLOW_HOOKS}#preprocess`, models: ['fraud@1', 'fraud@2'] }],
  });
  t.after(() => stopScorer(scorer, 'SIGKILL', 5000));
  await scorer.waitReady();
  const logged = await collect(features, (all) => all.length >= 2 * events.length, 120_000);
  const predicted = await collect(topics.output, (all) => all.length >= 2 * events.length, 60_000);
  const { code } = await stopScorer(scorer, 'SIGTERM', 35_000);
  assert.equal(code, 0, `scorer exit code; logs:\n${scorer.logs().slice(-3000)}`);

  const records = await decodeAll(logged, reg.registry);
  const inputs = await inputsBySource(topics.input, events);
  const preprocessed = new Map(
    [...inputs].map(([id, origin]) => {
      const country = origin.event.event['country'];
      const event = typeof country === 'string' ? { ...origin.event.event, country: country.toUpperCase() } : origin.event.event;
      return [id, { ...origin, event: { ...origin.event, event } }];
    }),
  );
  const written = new Map<string, number>();
  for (const c of predicted) {
    const p = JSON.parse((c.value as Buffer).toString('utf8')) as { source_partition: number; source_offset: number; model_version: number; score: number };
    written.set(`${sourceId(p.source_partition, p.source_offset)}@${p.model_version}`, p.score);
  }
  for (const version of [1, 2]) {
    const ofVersion = records.filter((r) => r.model_version === version);
    assertJoinsOneToOne(ofVersion, preprocessed, topics.input, specFields(version));
    for (const r of ofVersion) {
      assert.deepEqual([r.model_name, r.flow, r.fallback], ['fraud', 'payments', false]);
      assert.equal(r.score, written.get(`${sourceId(r.source_partition, r.source_offset)}@${version}`), 'the score of the prediction for this model');
    }
  }
  // Keyed by the input key, like the prediction: a key's records stay in one partition.
  const partitionOf = new Map<string, number>();
  for (const c of logged) {
    const key = c.key?.toString() ?? '';
    assert.equal(partitionOf.get(key) ?? c.partition, c.partition, `key ${key} in one partition`);
    partitionOf.set(key, c.partition);
  }
  assert.ok(
    records.some((r) => r.string_features['country'] === 'GB'),
    'the preprocess hook changed the feature the model was fed',
  );
  assert.deepEqual(await committedOffsets(groupId, topics.input), await endOffsets(topics.input), 'committed offsets reach the end of every partition');
});
