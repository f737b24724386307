import assert from 'node:assert/strict';
import { test } from 'node:test';
import { decodeJson, encodeJson } from '../../../src/codecs/json.ts';
import { recordError } from './expect-errors.ts';

test('a JSON object decodes, nested values included', () => {
  assert.deepEqual(decodeJson(Buffer.from('{"amount": 1.5, "device": {"os": "ios"}, "tags": [1]}')), {
    amount: 1.5,
    device: { os: 'ios' },
    tags: [1],
  });
});

test('invalid JSON is JSON_DECODE', () => {
  assert.throws(() => decodeJson(Buffer.from('{"amount": ')), recordError('JSON_DECODE', /not valid/));
  assert.throws(() => decodeJson(Buffer.alloc(0)), recordError('JSON_DECODE'));
});

test('bytes that are not UTF-8 are JSON_DECODE, not text repaired with U+FFFD', () => {
  const latin1 = Buffer.concat([Buffer.from('{"name":"'), Buffer.from([0xe9]), Buffer.from('"}')]);
  assert.throws(() => decodeJson(latin1), recordError('JSON_DECODE'));
});

for (const [text, kind] of [
  ['[1,2]', 'array'],
  ['null', 'null'],
  ['42', 'number'],
  ['"s"', 'string'],
]) {
  test(`JSON that is not an object (${kind}) is JSON_DECODE`, () => {
    assert.throws(() => decodeJson(Buffer.from(text!)), recordError('JSON_DECODE', new RegExp(`got ${kind}`)));
  });
}

test('encodeJson writes UTF-8 JSON that decodes back', () => {
  const value = { score: 0.25, label: 'café', model_version: 2 };
  const bytes = encodeJson(value);
  assert.equal(bytes.toString('utf8'), JSON.stringify(value));
  assert.deepEqual(decodeJson(bytes), value);
});
