/** The golden check's rules: the file's shape, and every score within tolerance and every label equal. */
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { type Golden, goldenMismatches, goldenShapeProblem, readGolden } from '../../../src/models/golden.ts';

const GOLDEN: Golden = {
  model: 'fraud',
  version: 2,
  tolerance: 1e-5,
  rows: [
    { event: { a: 1 }, score: 0.5, label: 'ok' },
    { event: { a: 2 }, score: 0.9, label: 'fraud' },
  ],
};

test('answers within tolerance with equal labels pass', () => {
  assert.deepEqual(
    goldenMismatches(GOLDEN, [
      { score: 0.500009, label: 'ok' },
      { score: 0.899995, label: 'fraud' },
    ]),
    [],
  );
});

test('a score out of tolerance, a label that differs, a failed or missing row each fail, the first few named', () => {
  assert.deepEqual(
    goldenMismatches(GOLDEN, [
      { score: 0.6, label: 'ok' },
      { score: 0.9, label: 'ok' },
    ]),
    ['row 0: score 0.6, golden 0.5 (tolerance 0.00001)', 'row 1: label ok, golden fraud'],
  );
  assert.deepEqual(goldenMismatches(GOLDEN, [{ failed: 'MISSING_FEATURE a' }]), ['row 0: failed: MISSING_FEATURE a', 'row 1: no answer']);
  assert.deepEqual(
    goldenMismatches(
      GOLDEN,
      [
        { score: Number.NaN, label: 'ok' },
        { score: 0, label: 'fraud' },
      ],
      1,
    ),
    ['row 0: score NaN, golden 0.5 (tolerance 0.00001)', 'and 1 more of 2 rows'],
  );
});

test('a golden file for another model or version, or of the wrong shape, is refused before scoring', () => {
  assert.equal(goldenShapeProblem(GOLDEN, 'fraud', 2), undefined);
  assert.equal(goldenShapeProblem(GOLDEN, 'fraud', 3), 'golden.json is for fraud:2, not fraud:3');
  assert.equal(goldenShapeProblem({ ...GOLDEN, tolerance: -1 }, 'fraud', 2), 'golden.json: tolerance must be a number >= 0');
  assert.equal(goldenShapeProblem({ ...GOLDEN, rows: [] }, 'fraud', 2), 'golden.json: rows must be a non-empty list');
  assert.equal(goldenShapeProblem({ ...GOLDEN, rows: [{ event: {} }] }, 'fraud', 2), 'golden.json: rows[0] must have an event object and a numeric score');
});

test('readGolden: no file passes (undefined), a broken one says why', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'golden-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  assert.equal(await readGolden(join(dir, 'golden.json'), 'fraud', 2), undefined);
  await writeFile(join(dir, 'golden.json'), '{"model": "fraud",');
  await assert.rejects(readGolden(join(dir, 'golden.json'), 'fraud', 2), /^Error: golden\.json is not valid JSON/);
  await writeFile(join(dir, 'golden.json'), JSON.stringify(GOLDEN));
  assert.deepEqual(await readGolden(join(dir, 'golden.json'), 'fraud', 2), GOLDEN);
});
