import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SchemaType } from '@kafkajs/confluent-schema-registry';
import { AvroDecoder } from '../../../src/codecs/avro.ts';
import { avroFormat, JSON_RECORD, jsonFormat } from '../../../src/codecs/input-format.ts';
import { startRegistryDouble } from '../../support/registry.ts';

const SCHEMA = { type: 'record', name: 'E', namespace: 'test', fields: [{ name: 'x', type: 'double' }] };

test('a JSON record is always ready, without a writer schema', () => {
  const format = jsonFormat();
  assert.deepEqual(format.check(Buffer.from('not even json')), { kind: 'ready', schemaId: JSON_RECORD });
  assert.throws(() => format.writerSchema(JSON_RECORD), /no writer schema/);
});

test('Avro: a bad header is rejected, a new schema id is cold until loaded, then ready with one shared result', async (t) => {
  const { registry, close } = await startRegistryDouble();
  t.after(close);
  const { id } = await registry.register({ type: SchemaType.AVRO, schema: JSON.stringify(SCHEMA) }, { subject: 'e-value' });
  const value = await registry.encode(id, { x: 1 });
  const format = avroFormat(new AvroDecoder(registry));

  const bad = format.check(Buffer.from([1, 0, 0, 0, 1, 0]));
  assert.ok(bad.kind === 'rejected');
  assert.equal(bad.error.reason, 'BAD_MAGIC_BYTE');

  const cold = format.check(value);
  assert.ok(cold.kind === 'cold');
  assert.match(cold.what, new RegExp(`writer schema ${id}`));
  assert.throws(() => format.writerSchema(id), /not loaded/);
  await cold.load();

  const ready = format.check(value);
  assert.deepEqual(ready, { kind: 'ready', schemaId: id });
  assert.equal(format.check(value), ready, 'the hot path allocates nothing');
  assert.deepEqual(JSON.parse(format.writerSchema(id)).fields, SCHEMA.fields);
});

test('Avro: an id the registry does not have loads as a rejection, UNKNOWN_SCHEMA_ID', async (t) => {
  const { registry, close } = await startRegistryDouble();
  t.after(close);
  const format = avroFormat(new AvroDecoder(registry));
  const cold = format.check(Buffer.from([0, 0, 0, 0, 99, 2]));
  assert.ok(cold.kind === 'cold');
  await assert.rejects(cold.load(), (err: unknown) => (err as { reason?: string }).reason === 'UNKNOWN_SCHEMA_ID');
});
