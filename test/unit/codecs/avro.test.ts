import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { test } from 'node:test';
import type { SchemaRegistry } from '@kafkajs/confluent-schema-registry';
import { SchemaType } from '@kafkajs/confluent-schema-registry';
import { AvroDecoder, AvroEncoder } from '../../../src/codecs/avro.ts';
import { compileFeatureMapper } from '../../../src/codecs/features.ts';
import type { ModelConfig } from '../../../src/inference/types.ts';
import { withBigintLongs } from '../../support/bigint-longs.ts';
import { V2_DEFAULTS } from '../../support/prediction-v2.ts';
import { registryClient, startRegistryDouble } from '../../support/registry.ts';
import { recordError, scorerError } from './expect-errors.ts';

const EVENT_SCHEMA = {
  type: 'record',
  name: 'Event',
  namespace: 'test',
  fields: [
    { name: 'amount', type: 'double' },
    { name: 'merchant', type: 'string' },
  ],
};

async function withWriter(registry: SchemaRegistry, schema: object = EVENT_SCHEMA): Promise<number> {
  const { id } = await registry.register({ type: SchemaType.AVRO, schema: JSON.stringify(schema) }, { subject: 'events-value' });
  return id;
}

test('decode is synchronous once load has cached the writer schema', async (t) => {
  const { registry, close } = await startRegistryDouble();
  t.after(close);
  const id = await withWriter(registry);
  const bytes = await registry.encode(id, { amount: 12.5, merchant: 'acme' });
  const decoder = new AvroDecoder(registry);

  assert.equal(decoder.schemaIdOf(bytes), id);
  assert.equal(decoder.isCached(id), false);
  await decoder.load(id);
  assert.equal(decoder.isCached(id), true);
  assert.deepEqual({ ...(decoder.decode(bytes) as object) }, { amount: 12.5, merchant: 'acme' });
});

test('a long beyond ±2^53 is valid Avro: it decodes exactly (a bigint), and longs within range stay numbers', async (t) => {
  const { registry, close } = await startRegistryDouble();
  t.after(close);
  const schema = {
    type: 'record',
    name: 'Timed',
    namespace: 'test',
    fields: [
      { name: 'amount', type: 'double' },
      { name: 'event_time', type: { type: 'long', logicalType: 'timestamp-millis' } },
      { name: 'n', type: 'long' },
    ],
  };
  const id = await withWriter(registry, schema);
  // Written with the client's encoder on a schema whose longs take bigints, as a Java producer would write 2^60.
  const writer = withBigintLongs(schema);
  const body = writer.toBuffer({ amount: 1.5, event_time: 2n ** 60n, n: 7n });
  const bytes = Buffer.concat([Buffer.from([0, 0, 0, 0, id]), body]);
  const decoder = new AvroDecoder(registry);
  await decoder.load(id);
  assert.deepEqual({ ...(decoder.decode(bytes) as object) }, { amount: 1.5, event_time: 2n ** 60n, n: 7 });
  const small = await registry.encode(id, { amount: 2, event_time: 1_700_000_000_000, n: 3 });
  assert.deepEqual({ ...(decoder.decode(small) as object) }, { amount: 2, event_time: 1_700_000_000_000, n: 3 }, 'the fast path is untouched');
});

test('a value without the magic byte is BAD_MAGIC_BYTE; one shorter than the header is AVRO_DECODE', () => {
  const decoder = new AvroDecoder(registryClient('http://127.0.0.1:9'));
  assert.throws(() => decoder.schemaIdOf(Buffer.from('{"amount":1}')), recordError('BAD_MAGIC_BYTE', /byte 123/));
  assert.throws(() => decoder.decode(Buffer.from([1, 0, 0, 0, 1, 2])), recordError('BAD_MAGIC_BYTE'));
  assert.throws(() => decoder.schemaIdOf(Buffer.from([0, 0, 1])), recordError('AVRO_DECODE', /3 bytes/));
  assert.throws(() => decoder.schemaIdOf(Buffer.alloc(0)), recordError('AVRO_DECODE', /empty/));
});

test('a truncated body, a corrupt body and trailing bytes are AVRO_DECODE', async (t) => {
  const { registry, close } = await startRegistryDouble();
  t.after(close);
  const id = await withWriter(registry);
  const bytes = await registry.encode(id, { amount: 1, merchant: 'acme' });
  const decoder = new AvroDecoder(registry);
  await decoder.load(id);

  assert.throws(() => decoder.decode(bytes.subarray(0, bytes.length - 2)), recordError('AVRO_DECODE', /truncated/));
  assert.throws(() => decoder.decode(Buffer.concat([bytes, Buffer.from([7])])), recordError('AVRO_DECODE', /1 bytes of trailing/));
  // A string length of -1 (zigzag 0x01) after the double.
  const corrupt = Buffer.concat([bytes.subarray(0, 13), Buffer.from([0x01])]);
  assert.throws(() => decoder.decode(corrupt), recordError('AVRO_DECODE'));
});

test('an unknown schema id is UNKNOWN_SCHEMA_ID, remembered for the TTL without asking the registry again', async (t) => {
  const { registry, close } = await startRegistryDouble();
  t.after(close);
  let now = 1_000;
  const decoder = new AvroDecoder(registry, { rejectedIdTtlMs: 60_000, now: () => now });
  await assert.rejects(decoder.load(99), recordError('UNKNOWN_SCHEMA_ID', /99/));
  await close();

  // The registry is gone: a RecordError now can only come from memory.
  now += 59_999;
  await assert.rejects(decoder.load(99), recordError('UNKNOWN_SCHEMA_ID'));
  assert.throws(() => decoder.decode(Buffer.from([0, 0, 0, 0, 99, 0])), recordError('UNKNOWN_SCHEMA_ID'));
  now += 1;
  await assert.rejects(decoder.load(99), scorerError('SCORER_ERR_SCHEMA_REGISTRY', true));
});

test('registry down (ECONNREFUSED) is a retryable ScorerError, never a RecordError', async (t) => {
  const { registry, close } = await startRegistryDouble();
  t.after(close);
  await close();
  const decoder = new AvroDecoder(registry);
  await assert.rejects(decoder.load(1), scorerError('SCORER_ERR_SCHEMA_REGISTRY', true));
  await assert.rejects(decoder.load(1), scorerError('SCORER_ERR_SCHEMA_REGISTRY', true));
  assert.equal(decoder.isCached(1), false);
});

async function registryAnswering(status: number): Promise<{ url: string; close(): Promise<void> }> {
  const server = createServer((_req, res) => res.writeHead(status, { 'content-type': 'application/json' }).end('{}'));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

for (const [status, retryable] of [
  [503, true],
  [401, false],
] as const) {
  test(`a registry answering ${status} is a ScorerError with retryable ${retryable}`, async (t) => {
    const stub = await registryAnswering(status);
    t.after(stub.close);
    const decoder = new AvroDecoder(registryClient(stub.url));
    await assert.rejects(decoder.load(5), scorerError('SCORER_ERR_SCHEMA_REGISTRY', retryable));
  });
}

test('decode before load is a ScorerError (a caller bug), not a record problem', () => {
  const decoder = new AvroDecoder(registryClient('http://127.0.0.1:9'));
  assert.throws(() => decoder.decode(Buffer.from([0, 0, 0, 0, 3, 0])), scorerError('SCORER_ERR_SCHEMA_REGISTRY', false));
});

test('a schema id that is not an Avro schema is AVRO_DECODE', async (t) => {
  const { url, close } = await startRegistryDouble();
  t.after(close);
  const res = await fetch(`${url}/subjects/json-value/versions`, {
    method: 'POST',
    body: JSON.stringify({ schemaType: 'JSON', schema: '{"type":"object"}' }),
  });
  const { id } = (await res.json()) as { id: number };
  await assert.rejects(new AvroDecoder(registryClient(url)).load(id), recordError('AVRO_DECODE', /not an Avro schema/));
});

test('a writer schema with a string where the model wants a number decodes; the mapper rejects it', async (t) => {
  const { registry, close } = await startRegistryDouble();
  t.after(close);
  const stringly = {
    ...EVENT_SCHEMA,
    fields: [
      { name: 'amount', type: 'string' },
      { name: 'merchant', type: 'string' },
    ],
  };
  const id = await withWriter(registry, stringly);
  const bytes = await registry.encode(id, { amount: '12.50', merchant: 'acme' });
  const decoder = new AvroDecoder(registry);
  await decoder.load(id);
  const event = decoder.decode(bytes);

  const config: ModelConfig = {
    name: 'm',
    version: 1,
    inputs: [{ name: 'x', dtype: 'float32', fields: [{ field: 'amount' }] }],
    outputs: { score: { output: 'p' } },
    missingRequired: 'dlq',
  };
  const mapper = compileFeatureMapper(config, { maxStringFeatureLength: 100 });
  assert.throws(() => mapper.extract(event), recordError('FEATURE_TYPE', /"amount".*got string/));
});

async function predictionSchema(): Promise<object> {
  return JSON.parse(await readFile(new URL('../../../schemas/prediction.avsc', import.meta.url), 'utf8')) as object;
}

const PREDICTION = {
  score: 0.875,
  label: 'fraud',
  model_name: 'fraud',
  model_version: 3,
  source_topic: 'payments',
  source_partition: 4,
  source_offset: 123_456_789_012,
  event_timestamp: 1_700_000_000_000,
  scored_at: 1_700_000_000_250,
};

test('the encoder registers under the given subject and its output decodes with the real client', async (t) => {
  const { url, registry, close } = await startRegistryDouble();
  t.after(close);
  const encoder = await AvroEncoder.create(registry, 'predictions-value', await predictionSchema());
  assert.equal(await registry.getLatestSchemaId('predictions-value'), encoder.schemaId);

  const bytes = encoder.encode(PREDICTION);
  assert.deepEqual([...bytes.subarray(0, 5)], [0, 0, 0, 0, encoder.schemaId]);
  assert.deepEqual({ ...(await registryClient(url).decode(bytes)) }, { ...PREDICTION, ...V2_DEFAULTS });
  assert.deepEqual({ ...(await registry.decode(encoder.encode({ ...PREDICTION, label: null }))) }, { ...PREDICTION, ...V2_DEFAULTS, label: null });
});

test('the encoder grows its buffer for large values and returns independent buffers', async (t) => {
  const { registry, close } = await startRegistryDouble();
  t.after(close);
  const encoder = await AvroEncoder.create(registry, 'predictions-value', await predictionSchema());
  const big = { ...PREDICTION, label: 'x'.repeat(5000) };
  const first = encoder.encode(big);
  const second = encoder.encode(PREDICTION);
  assert.deepEqual({ ...(await registry.decode(first)) }, { ...big, ...V2_DEFAULTS });
  assert.deepEqual({ ...(await registry.decode(second)) }, { ...PREDICTION, ...V2_DEFAULTS });
});

test('creating the encoder twice gives the same id; a value off the schema is SCORER_ERR_ENCODE', async (t) => {
  const { registry, close } = await startRegistryDouble();
  t.after(close);
  const schema = await predictionSchema();
  const first = await AvroEncoder.create(registry, 'predictions-value', schema);
  const second = await AvroEncoder.create(registry, 'predictions-value', schema);
  assert.equal(second.schemaId, first.schemaId);
  assert.throws(() => first.encode({ ...PREDICTION, model_version: 'three' }), scorerError('SCORER_ERR_ENCODE', false));
});

test('where registering is refused, the encoder uses the schema registered beforehand', async (t) => {
  const { url, registry, close } = await startRegistryDouble();
  t.after(close);
  const schema = await predictionSchema();
  const post = (path: string, method: string, body: object) => fetch(`${url}${path}`, { method, body: JSON.stringify(body) });
  const { id } = (await (await post('/subjects/predictions-value/versions', 'POST', { schema: JSON.stringify(schema) })).json()) as {
    id: number;
  };
  await post('/config/predictions-value', 'PUT', { compatibility: 'FULL' });

  assert.equal((await AvroEncoder.create(registry, 'predictions-value', schema)).schemaId, id);
  await post('/config/other-value', 'PUT', { compatibility: 'FULL' });
  await assert.rejects(AvroEncoder.create(registry, 'other-value', schema), scorerError('SCORER_ERR_SCHEMA_REGISTRY', false));
});

test('an output schema that is not Avro is SCORER_ERR_CONFIG', async () => {
  const registry = registryClient('http://127.0.0.1:9');
  await assert.rejects(AvroEncoder.create(registry, 'p-value', { type: 'record', name: 'P' }), scorerError('SCORER_ERR_CONFIG', false));
});
