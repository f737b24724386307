import assert from 'node:assert/strict';
import { test } from 'node:test';
import { compileFeatureMapper } from '../../../src/codecs/features.ts';
import { binOf, compileBinCounter } from '../../../src/drift/bin-counter.ts';
import type { ModelConfig } from '../../../src/inference/types.ts';

const CONFIG: ModelConfig = {
  name: 'm',
  version: 1,
  inputs: [
    { name: 'numeric', dtype: 'float32', fields: [{ field: 'x' }, { field: 'y', default: 0.5 }] },
    { name: 'counts', dtype: 'int64', fields: [{ field: 'n' }] },
    { name: 'text', dtype: 'string', fields: [{ field: 's' }] },
  ],
  outputs: { score: { output: 'p' } },
  missingRequired: 'dlq',
};

const STATS = {
  rows: 100,
  features: [
    { name: 'y', edges: [0, 1], expected: [0.1, 0.8, 0.1], missing: 0.05 },
    { name: 'n', edges: [10], expected: [0.5, 0.5], missing: 0 },
  ],
};

test('a value falls in the bin of the edges at or below it', () => {
  const edges = [0, 1, 1.5];
  assert.deepEqual(
    [-1, 0, 0.5, 1, 1.2, 1.5, 9].map((v) => binOf(edges, v)),
    [0, 1, 1, 2, 2, 3, 3],
  );
  assert.equal(binOf([], 3), 0, 'no edges: one bin');
});

test("counts the committed rows' values into each feature's bins, defaults included, and the defaults taken as missing", () => {
  const mapper = compileFeatureMapper(CONFIG, { maxStringFeatureLength: 10 });
  const columns = mapper.columns(8);
  columns.append({ x: 1, y: -2, n: 3, s: 'a' });
  columns.append({ x: 1, y: 0.25, n: 10, s: 'a' });
  columns.append({ x: 1, y: null, n: 11, s: 'a' });
  columns.append({ x: 1, n: 12, s: 'a' });
  // Fails on its missing required x after y took its default: not a row, so not counted.
  assert.throws(() => columns.append({ y: null, n: 1, s: 'a' }));
  const counts = compileBinCounter(STATS, mapper.fields).count(columns);
  assert.equal(counts.rows, 4);
  // y: -2 in bin 0; 0.25 and the two defaults of 0.5 in bin 1. n: 3 below 10; 10, 11, 12 from 10 up.
  assert.deepEqual([...counts.bins], [1, 3, 0, 1, 3]);
  assert.deepEqual([...counts.missing], [2, 0]);
});
