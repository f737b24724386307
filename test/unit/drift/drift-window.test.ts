import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { DriftCounts } from '../../../src/drift/bin-counter.ts';
import { DriftWindow } from '../../../src/drift/drift-window.ts';
import type { FeatureStats } from '../../../src/drift/feature-stats.ts';
import { FakeClock } from '../../support/fake-clock.ts';

// Two features: x with bins (<1, [1, 2), >=2), y with bins (<0, >=0).
const STATS: FeatureStats = {
  rows: 1000,
  features: [
    { name: 'x', edges: [1, 2], expected: [0.25, 0.5, 0.25], missing: 0 },
    { name: 'y', edges: [0], expected: [0.5, 0.5], missing: 0.1 },
  ],
};

function counts(rows: number, x: [number, number, number], y: [number, number], missing: [number, number] = [0, 0]): DriftCounts {
  return { rows, bins: new Int32Array([...x, ...y]), missing: new Int32Array(missing) };
}

const OPTIONS = { windowMs: 10_000, buckets: 5, minEvents: 100 };

test('in distribution: PSI 0 and the missing share as counted', () => {
  const window = new DriftWindow(STATS, OPTIONS, new FakeClock());
  window.add(counts(100, [25, 50, 25], [50, 50], [0, 10]));
  assert.deepEqual(window.read(), [
    { feature: 'x', psi: 0, missingRatio: 0 },
    { feature: 'y', psi: 0, missingRatio: 0.1 },
  ]);
});

test('nothing is reported while the window holds fewer than minEvents rows', () => {
  const window = new DriftWindow(STATS, OPTIONS, new FakeClock());
  window.add(counts(60, [15, 30, 15], [30, 30]));
  assert.deepEqual(window.read(), []);
  window.add(counts(40, [10, 20, 10], [20, 20]));
  assert.equal(window.read().length, 2, 'the batches of one slice add up');
});

test('the window slides: counts older than windowMs drop out, slice by slice', () => {
  const clock = new FakeClock();
  const window = new DriftWindow(STATS, OPTIONS, clock);
  window.add(counts(100, [25, 50, 25], [50, 50]));
  clock.advance(4000);
  window.add(counts(100, [100, 0, 0], [50, 50], [0, 100]));
  const mixed = window.read();
  assert.ok((mixed[0]?.psi as number) > 0.1, 'half the window shifted');
  assert.equal(mixed[1]?.missingRatio, 0.5);
  // 10 s after the first batch its slice is out of the window; the second batch's is not.
  clock.advance(6000);
  const shifted = window.read();
  assert.ok((shifted[0]?.psi as number) > (mixed[0]?.psi as number), 'only the shifted batch is left');
  assert.equal(shifted[1]?.missingRatio, 1);
  clock.advance(4000);
  assert.deepEqual(window.read(), [], 'every slice has expired');
});

test('a slice reused after a full turn of the ring starts empty', () => {
  const clock = new FakeClock();
  const window = new DriftWindow(STATS, OPTIONS, clock);
  window.add(counts(100, [100, 0, 0], [100, 0]));
  clock.advance(10_000);
  window.add(counts(100, [25, 50, 25], [50, 50]));
  assert.deepEqual(
    window.read().map((f) => f.psi),
    [0, 0],
  );
});
