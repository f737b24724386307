import assert from 'node:assert/strict';
import { test } from 'node:test';
import { HEADER_BYTES, readSchemaId, writeHeader } from '../../../src/codecs/wire-format.ts';
import { recordError } from './expect-errors.ts';

test('the header is magic byte 0 then the schema id big-endian', () => {
  const value = Buffer.alloc(HEADER_BYTES + 1);
  writeHeader(value, 0x01020304);
  assert.deepEqual([...value.subarray(0, HEADER_BYTES)], [0, 1, 2, 3, 4]);
  assert.equal(readSchemaId(value), 0x01020304);
});

test('a wrong first byte is BAD_MAGIC_BYTE even when the value is short', () => {
  assert.throws(() => readSchemaId(Buffer.from([1, 0, 0, 0, 7])), recordError('BAD_MAGIC_BYTE', /byte 1/));
  assert.throws(() => readSchemaId(Buffer.from([0x7b])), recordError('BAD_MAGIC_BYTE'));
});

test('a value shorter than the header is AVRO_DECODE', () => {
  assert.throws(() => readSchemaId(Buffer.from([0, 0, 0, 7])), recordError('AVRO_DECODE', /4 bytes/));
});
