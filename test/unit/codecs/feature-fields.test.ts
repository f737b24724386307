import assert from 'node:assert/strict';
import { test } from 'node:test';
import { compileField, convert, readPath } from '../../../src/codecs/feature-fields.ts';
import { recordError } from './expect-errors.ts';

test('readPath walks nested objects and array indexes, and stops at non-objects', () => {
  const event = { a: { b: { c: 1 } }, list: [{ x: 'first' }], text: 'abc' };
  assert.equal(readPath(event, ['a', 'b', 'c']), 1);
  assert.equal(readPath(event, ['list', '0', 'x']), 'first');
  assert.equal(readPath(event, ['a', 'missing', 'c']), undefined);
  // A string is not an object: "text.length" is absent, not 3.
  assert.equal(readPath(event, ['text', 'length']), undefined);
  assert.equal(readPath(42, ['a']), undefined);
});

test('booleans feed float32 inputs as 1 and 0', () => {
  const field = compileField({ field: 'flag' }, { name: 'x', dtype: 'float32', fields: [] }, 10);
  assert.equal(convert(field, true), 1);
  assert.equal(convert(field, false), 0);
});

test('float32 values are rounded to single precision once, at extraction', () => {
  const field = compileField({ field: 'v' }, { name: 'x', dtype: 'float32', fields: [] }, 10);
  assert.equal(convert(field, 0.1), Math.fround(0.1));
  assert.throws(() => convert(field, 2 ** 128), recordError('NON_FINITE', /overflows float32/));
});

test('a default is converted by the dtype rules at compile time', () => {
  const field = compileField({ field: 'n', default: 5 }, { name: 'x', dtype: 'int64', fields: [] }, 10);
  assert.equal(field.fallback, 5);
  assert.deepEqual(field.path, ['n']);
});
