import assert from 'node:assert/strict';
import { test } from 'node:test';
import { duplicatesPerWindow } from '../../../bench/rebalance-windows.ts';
import type { TimelinePoint } from '../../../loadgen/types.ts';

/** One timeline second ending at t with `duplicates` replayed predictions in it. */
function second(t: number, duplicates: number): TimelinePoint {
  return { t, targetRate: 5000, sent: 5000, received: 5000 + duplicates, duplicates, outstanding: 100, p50Ms: 5, p99Ms: 20, maxMs: 40 };
}

test('each second counts towards the window it ends in: (0, 5], (5, 10], (10, end]', () => {
  const timeline = [second(1, 0), second(5, 2), second(6, 30), second(10, 1), second(11, 7), second(14, 0)];
  assert.deepEqual(duplicatesPerWindow(timeline, [5, 10, 15]), [2, 31, 7]);
});

test('the seconds of the drain after the last window belong to it', () => {
  const timeline = [second(3, 1), second(16, 4), second(40, 5)];
  assert.deepEqual(duplicatesPerWindow(timeline, [5, 10, 15]), [1, 0, 9]);
  assert.deepEqual(duplicatesPerWindow(timeline, [5, 10, Infinity]), [1, 0, 9]);
});

test('no windows, no counts; no timeline, zeros', () => {
  assert.deepEqual(duplicatesPerWindow([second(1, 3)], []), []);
  assert.deepEqual(duplicatesPerWindow([], [5, 10]), [0, 0]);
});
