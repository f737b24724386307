/** The canary's rollback policy, on a fake clock: error rate, p99 latency, minRequests, the sliding window. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CanaryGuard } from '../../../src/flows/canary-guard.ts';
import { FakeClock } from '../../support/fake-clock.ts';

const BOUNDS = { maxErrorRate: 0.1, minRequests: 100, windowMs: 10_000 };

test('no verdict before the window holds minRequests records, however bad they are', () => {
  const guard = new CanaryGuard(BOUNDS, new FakeClock());
  for (let i = 0; i < 9; i++) assert.equal(guard.record({ rows: 10, errors: 10, ms: 1 }), undefined);
  assert.equal(guard.active, true);
  const verdict = guard.record({ rows: 10, errors: 10, ms: 1 });
  assert.deepEqual(verdict, { breached: 'error-rate', requests: 100, errors: 100, errorRate: 1, p99Ms: 1, bound: 0.1 });
  assert.equal(guard.active, false);
});

test('rolls back once the error rate is above maxErrorRate, not at it; the rollback is final', () => {
  const guard = new CanaryGuard(BOUNDS, new FakeClock());
  assert.equal(guard.record({ rows: 100, errors: 10, ms: 1 }), undefined, '10% is the bound itself');
  const verdict = guard.record({ rows: 10, errors: 2, ms: 1 });
  assert.equal(verdict?.breached, 'error-rate');
  assert.equal(verdict?.errorRate, 12 / 110);
  assert.equal(guard.record({ rows: 1000, errors: 1000, ms: 1 }), undefined, 'one verdict, then nothing more');
  assert.equal(guard.active, false);
});

test('rolls back when the p99 of the run time per batch is above maxP99Ms: one slow batch in a hundred is the p99, two are over it', () => {
  const guard = new CanaryGuard({ ...BOUNDS, maxP99Ms: 50 }, new FakeClock());
  assert.equal(guard.record({ rows: 1, errors: 0, ms: 80 }), undefined, 'a slow first batch, below minRequests');
  for (let i = 0; i < 98; i++) assert.equal(guard.record({ rows: 1, errors: 0, ms: 5 }), undefined);
  // 100 samples, one above the bound: the nearest-rank p99 (the 99th smallest) is 5 ms.
  assert.equal(guard.record({ rows: 1, errors: 0, ms: 5 }), undefined);
  const verdict = guard.record({ rows: 1, errors: 0, ms: 90 });
  assert.deepEqual(verdict, { breached: 'p99-latency', requests: 101, errors: 0, errorRate: 0, p99Ms: 80, bound: 50 });
});

test('the window slides: old failures age out, and what counts is the last windowMs', () => {
  const clock = new FakeClock();
  const guard = new CanaryGuard(BOUNDS, clock);
  assert.equal(guard.record({ rows: 50, errors: 20, ms: 1 }), undefined, 'below minRequests');
  clock.advance(10_001);
  assert.equal(guard.record({ rows: 60, errors: 0, ms: 1 }), undefined, 'the failures aged out: 60 records in the window');
  clock.advance(5000);
  assert.equal(guard.record({ rows: 40, errors: 5, ms: 1 }), undefined, '5 of 100: under the bound');
  clock.advance(5001);
  // The 60 good records aged out: 40 + 30 records, 5 + 6 errors, 15.7% over 70 < minRequests.
  assert.equal(guard.record({ rows: 30, errors: 6, ms: 1 }), undefined);
  assert.equal(guard.record({ rows: 30, errors: 0, ms: 1 })?.errorRate, 11 / 100);
});

test('a batch with none of the candidate records counts for nothing', () => {
  const guard = new CanaryGuard({ ...BOUNDS, minRequests: 1, maxP99Ms: 1 }, new FakeClock());
  assert.equal(guard.record({ rows: 0, errors: 0, ms: 500 }), undefined);
  assert.equal(guard.active, true);
});
