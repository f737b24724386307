import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ArrivalRate } from '../../../src/batching/arrival-rate.ts';

describe('ArrivalRate', () => {
  it('is 0 until the first window closes, then that window’s rate', () => {
    const rate = new ArrivalRate(50, 500);
    for (let t = 0; t < 50; t += 0.5) rate.record(t); // 2 rows per ms
    assert.equal(rate.perMs(), 0);
    rate.record(50);
    assert.equal(rate.perMs(), 2);
  });

  it('follows the sustained rate of bursty arrivals', () => {
    const rate = new ArrivalRate(50, 500);
    // 500 rows at one instant every 10 ms: 50 rows per ms sustained, as Kafka fetches deliver them.
    for (let t = 0; t <= 5000; t += 10) for (let i = 0; i < 500; i++) rate.record(t);
    assert.ok(Math.abs(rate.perMs() - 50) < 1, `rate ${rate.perMs()}`);
  });

  it('moves toward a new rate by half per half-life, and collapses after a long silence', () => {
    const rate = new ArrivalRate(10, 100);
    let t = 0;
    for (; t <= 2000; t += 0.1) rate.record(t); // 10 per ms
    const before = rate.perMs();
    assert.ok(Math.abs(before - 10) < 0.2, `rate ${before}`);
    for (const end = t + 100; t <= end; t += 1) rate.record(t); // 1 per ms for one half-life
    assert.ok(Math.abs(rate.perMs() - 5.5) < 0.6, `rate ${rate.perMs()}`);
    rate.record(t + 60_000);
    assert.ok(rate.perMs() < 0.01, `rate ${rate.perMs()}`);
  });
});
