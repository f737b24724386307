import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { extractLabels, extractScores, ModelOutputError } from '../../../src/inference/output-columns.ts';

describe('extractScores', () => {
  test('reads column index of a [batch, k] output', () => {
    const view = { type: 'float32', dims: [3, 2], data: Float32Array.from([0.9, 0.1, 0.25, 0.75, 0.5, 0.5]) };
    assert.deepEqual([...extractScores(view, 3, { output: 'p', index: 1 })], [0.10000000149011612, 0.75, 0.5]);
    assert.deepEqual([...extractScores(view, 3, { output: 'p', index: 0 })], [0.8999999761581421, 0.25, 0.5]);
  });

  test('reads a whole [batch] or [batch, 1] output', () => {
    assert.deepEqual([...extractScores({ type: 'float64', dims: [2], data: [1.5, 2.5] }, 2, { output: 's' })], [1.5, 2.5]);
    assert.deepEqual([...extractScores({ type: 'float32', dims: [2, 1], data: [3, 4] }, 2, { output: 's' })], [3, 4]);
    assert.deepEqual([...extractScores({ type: 'int64', dims: [2], data: [5n, 6n] }, 2, { output: 's' })], [5, 6]);
  });

  test('rejects a [batch, k] output without an index, an index out of range, a wrong batch and strings', () => {
    const view = { type: 'float32', dims: [2, 2], data: [0, 1, 0, 1] };
    assert.throws(() => extractScores(view, 2, { output: 'p' }), /has 2 columns .* must name an index/);
    assert.throws(() => extractScores(view, 2, { output: 'p', index: 2 }), /index 2 is out of range/);
    assert.throws(() => extractScores(view, 3, { output: 'p', index: 1 }), ModelOutputError);
    assert.throws(() => extractScores({ type: 'float32', dims: [2, 1, 1], data: [0, 1] }, 2, { output: 'p' }), /shape \[2, 1, 1\]/);
    assert.throws(() => extractScores({ type: 'string', dims: [1], data: ['a'] }, 1, { output: 'l' }), /string tensor/);
  });
});

describe('extractLabels', () => {
  test('turns int64 labels into decimal strings and keeps string labels', () => {
    assert.deepEqual(extractLabels({ type: 'int64', dims: [3], data: BigInt64Array.from([0n, 1n, -7n]) }, 3, { output: 'l' }), ['0', '1', '-7']);
    assert.deepEqual(extractLabels({ type: 'string', dims: [2, 1], data: ['fraud', 'ok'] }, 2, { output: 'l' }), ['fraud', 'ok']);
  });
});
