import assert from 'node:assert/strict';
import { test } from 'node:test';
import { EPSILON, psi } from '../../../src/drift/psi.ts';

test('PSI is 0 when the observed shares equal the expected ones', () => {
  assert.equal(psi([0.25, 0.25, 0.5], [25, 25, 50], 0, 100), 0);
});

test('PSI sums (actual - expected) * ln(actual / expected) over the bins', () => {
  const expected = [0.5, 0.5];
  const value = psi(expected, [80, 20], 0, 100);
  assert.ok(Math.abs(value - ((0.8 - 0.5) * Math.log(0.8 / 0.5) + (0.2 - 0.5) * Math.log(0.2 / 0.5))) < 1e-12);
  assert.ok(value > 0.25, 'an 80/20 split of a 50/50 feature is a large shift');
});

test("reads one feature's bins from `start` in a flat array of every feature's counts", () => {
  assert.equal(psi([0.5, 0.5], [99, 1, 50, 50], 2, 100), 0);
});

test('an empty bin counts as EPSILON, so the index stays finite; no rows gives NaN', () => {
  const value = psi([0.5, 0.5], [100, 0], 0, 100);
  assert.ok(Number.isFinite(value));
  assert.ok(Math.abs(value - ((1 - 0.5) * Math.log(1 / 0.5) + (EPSILON - 0.5) * Math.log(EPSILON / 0.5))) < 1e-12);
  assert.ok(Number.isNaN(psi([0.5, 0.5], [0, 0], 0, 0)));
});
