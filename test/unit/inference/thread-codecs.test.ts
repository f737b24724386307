import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ScoreRecordsRequest } from '../../../src/inference/protocol.ts';
import { ThreadCodecs } from '../../../src/inference/thread-codecs.ts';
import { ONE_FIELD_SCHEMA as EVENT, ONE_FIELD, ONE_FIELD_MAPPER } from './one-field-model.ts';

const MODEL = { config: ONE_FIELD, mapper: ONE_FIELD_MAPPER };
const OTHER = { ...MODEL, config: { ...ONE_FIELD, version: 2 } };
const PREDICTION = JSON.stringify({ type: 'record', name: 'P', fields: [{ name: 'score', type: 'double' }] });

/** Only `output` is read when choosing the codecs. */
const request = (output: ScoreRecordsRequest['output']) => ({ output }) as ScoreRecordsRequest;

test('one prediction writer per output schema id, and one for JSON', () => {
  const codecs = new ThreadCodecs();
  const avro = codecs.for(request({ format: 'avro', schemaId: 7, schema: PREDICTION }), MODEL).writer;
  assert.equal(codecs.for(request({ format: 'avro', schemaId: 7, schema: PREDICTION }), OTHER).writer, avro, 'shared across models');
  assert.notEqual(codecs.for(request({ format: 'avro', schemaId: 8, schema: PREDICTION }), MODEL).writer, avro);
  const json = codecs.for(request({ format: 'json' }), MODEL).writer;
  assert.equal(codecs.for(request({ format: 'json' }), OTHER).writer, json);
});

test('a row decoder per (writer schema id, model), compiled once', () => {
  const codecs = new ThreadCodecs();
  const json = request({ format: 'json' });
  const first = codecs.for(json, MODEL).decoder(1, EVENT);
  assert.equal(first.road, 'columns');
  assert.equal(codecs.for(json, MODEL).decoder(1, EVENT), first);
  assert.notEqual(codecs.for(json, OTHER).decoder(1, EVENT), first, 'another model version has its own');
  assert.notEqual(codecs.for(json, MODEL).decoder(2, EVENT), first, 'another schema id has its own');
});
