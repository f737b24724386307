import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SchemaType } from '@kafkajs/confluent-schema-registry';
import { AvroDecoder } from '../../../src/codecs/avro.ts';
import { avroInput, jsonInput, jsonOutput } from '../../../src/codecs/input-decoder.ts';
import { startTestRegistry } from '../../support/registry.ts';
import { recordError, scorerError } from './expect-errors.ts';

const SCHEMA = { type: 'record', name: 'E', namespace: 'test', fields: [{ name: 'amount', type: 'double' }] };

test('avroInput returns a promise for a schema id seen first, then decodes synchronously', async (t) => {
  const { registry, close } = await startTestRegistry();
  t.after(close);
  const { id } = await registry.register({ type: SchemaType.AVRO, schema: JSON.stringify(SCHEMA) }, { subject: 'e-value' });
  const bytes = await registry.encode(id, { amount: 4 });
  const input = avroInput(new AvroDecoder(registry));

  const cold = input.decode(bytes);
  assert.ok(cold instanceof Promise);
  assert.deepEqual({ ...((await cold) as object) }, { amount: 4 });
  const hot = input.decode(bytes);
  assert.ok(!(hot instanceof Promise));
  assert.deepEqual({ ...(hot as object) }, { amount: 4 });
});

test('avroInput throws bad bytes synchronously and rejects for unknown ids and a dead registry', async (t) => {
  const { registry, close } = await startTestRegistry();
  t.after(close);
  const input = avroInput(new AvroDecoder(registry));
  assert.throws(() => input.decode(Buffer.from('{}')), recordError('BAD_MAGIC_BYTE'));
  await assert.rejects(Promise.resolve(input.decode(Buffer.from([0, 0, 0, 0, 9, 0]))), recordError('UNKNOWN_SCHEMA_ID'));
  await close();
  await assert.rejects(Promise.resolve(input.decode(Buffer.from([0, 0, 0, 0, 8, 0]))), scorerError('SCORER_ERR_SCHEMA_REGISTRY', true));
});

test('jsonInput decodes synchronously and jsonOutput encodes JSON', () => {
  assert.deepEqual(jsonInput().decode(Buffer.from('{"a":1}')), { a: 1 });
  assert.throws(() => jsonInput().decode(Buffer.from('[]')), recordError('JSON_DECODE'));
  assert.equal(jsonOutput().encode({ score: 1 }).toString(), '{"score":1}');
});
