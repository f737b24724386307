import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SchemaType } from '@kafkajs/confluent-schema-registry';
import { AvroDecoder } from '../../../src/codecs/avro.ts';
import type { DecodeResult } from '../../../src/codecs/decoder.ts';
import { avroInput, jsonInput, jsonOutput } from '../../../src/codecs/input-decoder.ts';
import { startTestRegistry } from '../../support/registry.ts';
import { recordError, scorerError } from './expect-errors.ts';

const SCHEMA = { type: 'record', name: 'E', namespace: 'test', fields: [{ name: 'amount', type: 'double' }] };

function event(result: DecodeResult): object {
  assert.equal(result.kind, 'event');
  return { ...((result as { event: object }).event as object) };
}

function rejected(result: DecodeResult): Error {
  assert.equal(result.kind, 'rejected');
  return (result as { error: Error }).error;
}

test('avroInput names the schema to load for an id seen first, then decodes synchronously', async (t) => {
  const { registry, close } = await startTestRegistry();
  t.after(close);
  const { id } = await registry.register({ type: SchemaType.AVRO, schema: JSON.stringify(SCHEMA) }, { subject: 'e-value' });
  const bytes = await registry.encode(id, { amount: 4 });
  const input = avroInput(new AvroDecoder(registry));

  const cold = input.decode(bytes);
  assert.ok(cold.kind === 'cold');
  assert.equal(cold.what, `writer schema ${id}`);
  await cold.load();
  assert.deepEqual(event(input.decode(bytes)), { amount: 4 });
});

test('avroInput rejects bad bytes at once, and its load rejects unknown ids and a dead registry', async (t) => {
  const { registry, close } = await startTestRegistry();
  t.after(close);
  const input = avroInput(new AvroDecoder(registry));
  assert.ok(recordError('BAD_MAGIC_BYTE')(rejected(input.decode(Buffer.from('{}')))));
  const unknown = input.decode(Buffer.from([0, 0, 0, 0, 9, 0]));
  assert.ok(unknown.kind === 'cold');
  await assert.rejects(unknown.load(), recordError('UNKNOWN_SCHEMA_ID'));
  const again = input.decode(Buffer.from([0, 0, 0, 0, 9, 0]));
  assert.ok(again.kind === 'cold');
  await assert.rejects(again.load(), recordError('UNKNOWN_SCHEMA_ID'), 'remembered');
  await close();
  const dead = input.decode(Buffer.from([0, 0, 0, 0, 8, 0]));
  assert.ok(dead.kind === 'cold');
  await assert.rejects(dead.load(), scorerError('SCORER_ERR_SCHEMA_REGISTRY', true));
});

test('jsonInput decodes or rejects, and jsonOutput encodes JSON', () => {
  assert.deepEqual(event(jsonInput().decode(Buffer.from('{"a":1}'))), { a: 1 });
  assert.ok(recordError('JSON_DECODE')(rejected(jsonInput().decode(Buffer.from('[]')))));
  assert.equal(jsonOutput().encode({ score: 1 }).toString(), '{"score":1}');
});
