import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DecoderCache } from '../../../src/inference/decoder-cache.ts';
import { ONE_FIELD_MAPPER, ONE_FIELD_SCHEMA as SCHEMA } from './one-field-model.ts';

const FIELDS = ONE_FIELD_MAPPER.fields;

test('a decoder is compiled once per (schema id, model) and reused', () => {
  const cache = new DecoderCache(4);
  const first = cache.get(1, SCHEMA, 'm@1', FIELDS);
  assert.equal(first.road, 'columns');
  assert.equal(cache.get(1, SCHEMA, 'm@1', FIELDS), first);
  assert.notEqual(cache.get(1, SCHEMA, 'm@2', FIELDS), first, 'another model has its own');
  assert.notEqual(cache.get(2, SCHEMA, 'm@1', FIELDS), first, 'another schema id has its own');
  assert.equal(cache.size, 3);
});

test('past its bound the cache drops the least recently used decoder', () => {
  const cache = new DecoderCache(2);
  const one = cache.get(1, SCHEMA, 'm@1', FIELDS);
  const two = cache.get(2, SCHEMA, 'm@1', FIELDS);
  assert.equal(cache.get(1, SCHEMA, 'm@1', FIELDS), one, 'a hit makes 1 the most recently used');
  cache.get(3, SCHEMA, 'm@1', FIELDS);
  assert.equal(cache.size, 2);
  assert.equal(cache.get(1, SCHEMA, 'm@1', FIELDS), one, '1 stayed');
  assert.notEqual(cache.get(2, SCHEMA, 'm@1', FIELDS), two, '2 went and is compiled again');
});
