import assert from 'node:assert/strict';
import { test } from 'node:test';
import { EMPTY_SUMMARY, LatencyRecorder, RunLatency } from '../../../loadgen/latency.ts';
import { isScorerError } from '../../../src/errors.ts';

/** HDR with 3 significant digits: within 0.1% of the true value (plus the 1 µs resolution). */
function near(actual: number, expected: number, label: string): void {
  assert.ok(Math.abs(actual - expected) <= expected * 0.001 + 0.001, `${label}: ${actual}, expected ${expected}`);
}

test('an empty recorder summarises to zeros', () => {
  const recorder = new LatencyRecorder();
  assert.equal(recorder.count, 0);
  assert.deepEqual(recorder.summary(), { count: 0, mean: 0, p50: 0, p90: 0, p99: 0, p999: 0, max: 0 });
  assert.deepEqual(recorder.summary(), EMPTY_SUMMARY);
});

test('percentiles of 1..10000 ms are within HDR precision; max and mean are exact', () => {
  const recorder = new LatencyRecorder();
  for (let ms = 1; ms <= 10_000; ms++) recorder.record(ms);
  const s = recorder.summary();
  assert.equal(s.count, 10_000);
  near(s.p50, 5000, 'p50');
  near(s.p90, 9000, 'p90');
  near(s.p99, 9900, 'p99');
  near(s.p999, 9990, 'p99.9');
  assert.equal(s.max, 10_000);
  assert.equal(s.mean, 5000.5);
});

test('fractional milliseconds keep microsecond resolution', () => {
  const recorder = new LatencyRecorder();
  for (const ms of [0.25, 0.5, 1.234]) recorder.record(ms);
  const s = recorder.summary();
  assert.equal(s.p50, 0.5);
  assert.equal(s.max, 1.234);
  assert.equal(s.mean, 0.661);
  assert.ok(s.p99 <= s.max);
});

test('negative and NaN latencies count as 0, above an hour as an hour', () => {
  const recorder = new LatencyRecorder();
  recorder.record(-3);
  recorder.record(Number.NaN);
  assert.equal(recorder.summary().max, 0);
  recorder.record(5 * 3_600_000);
  const s = recorder.summary();
  assert.equal(s.count, 3);
  assert.equal(s.max, 3_600_000);
  near(s.p99, 3_600_000, 'p99');
});

test('reset empties the recorder', () => {
  const recorder = new LatencyRecorder();
  recorder.record(10);
  recorder.reset();
  assert.equal(recorder.count, 0);
  assert.deepEqual(recorder.summary(), EMPTY_SUMMARY);
  recorder.record(2);
  assert.equal(recorder.summary().max, 2);
});

test('RunLatency: warmup only in the second, phases by the phase scheduled in', () => {
  const run = new RunLatency(2);
  run.record(1000, 0, true);
  run.record(10, 0, false);
  run.record(20, 1, false);
  run.record(30, 1, false);
  const second = run.takeSecond();
  assert.equal(second.maxMs, 1000, 'the warmup prediction shows in the timeline');
  near(second.p50Ms ?? -1, 20, 'second p50');
  near(second.p99Ms ?? -1, 1000, 'second p99');
  const overall = run.overall();
  assert.equal(overall.count, 3);
  assert.equal(overall.max, 30);
  assert.deepEqual(
    run.phases().map((p) => [p.count, p.max]),
    [
      [1, 10],
      [2, 30],
    ],
  );
});

test('RunLatency: takeSecond starts a new second, null when nothing arrived', () => {
  const run = new RunLatency(1);
  assert.deepEqual(run.takeSecond(), { p50Ms: null, p99Ms: null, maxMs: null });
  run.record(5, 0, false);
  assert.equal(run.takeSecond().maxMs, 5);
  assert.deepEqual(run.takeSecond(), { p50Ms: null, p99Ms: null, maxMs: null });
  assert.equal(run.overall().count, 1, 'the run keeps what the second forgot');
});

test('RunLatency rejects a phase the profile does not have', () => {
  const run = new RunLatency(1);
  assert.throws(
    () => run.record(1, 1, false),
    (err) => isScorerError(err, 'SCORER_ERR_INVARIANT'),
  );
});
