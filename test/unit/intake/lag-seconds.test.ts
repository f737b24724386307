import assert from 'node:assert/strict';
import test from 'node:test';
import { LagSeconds } from '../../../src/intake/lag-seconds.ts';

test('lag in seconds is the records behind over the recent acknowledged rate', () => {
  const lag = new LagSeconds(10_000);
  assert.equal(lag.seconds('p0', 0, 5000, 0), undefined, 'no rate yet: nothing to divide by');
  // 1,000 records acknowledged per second, 5,000 behind: five seconds.
  assert.equal(lag.seconds('p0', 1000, 5000, 1000), 5);
  assert.equal(lag.seconds('p0', 2000, 5000, 2000), 5);
});

test('the rate is smoothed: one slow second moves it by its weight, not all the way', () => {
  const lag = new LagSeconds(1000);
  lag.seconds('p0', 0, 100, 0);
  lag.seconds('p0', 1000, 100, 1000); // 1,000/s
  const seconds = lag.seconds('p0', 1000, 100, 2000); // nothing in this second: half-life 1 s halves the rate
  assert.equal(seconds, 100 / 500);
});

test('no lag is zero seconds; lag with no progress at all is infinite', () => {
  const lag = new LagSeconds(1000);
  assert.equal(lag.seconds('p0', 10, 0, 0), 0);
  assert.equal(lag.seconds('p1', 10, 7, 0), undefined);
  assert.equal(lag.seconds('p1', 10, 7, 1000), Infinity, 'stalled with records waiting');
});

test('a partition no longer owned starts afresh when it comes back', () => {
  const lag = new LagSeconds(1000);
  lag.seconds('p0', 0, 10, 0);
  lag.seconds('p0', 1000, 10, 1000);
  lag.retain(new Set(['p1']));
  assert.equal(lag.seconds('p0', 5000, 10, 2000), undefined, 'its old samples are gone');
});
