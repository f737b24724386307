import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DEFAULT_PLAN, firstGuess, judgeTrial, roundedRate, searchSustainable, type Verdict } from '../../../bench/sustainable.ts';
import type { LoadResult, TimelinePoint } from '../../../loadgen/types.ts';

const EMPTY_LATENCY = { count: 0, mean: 0, p50: 0, p90: 0, p99: 0, p999: 0, max: 0 };

/** A 60 s run at `rate` whose outstanding count at second t is lag(t). */
function run(rate: number, lag: (t: number) => number, overrides: Partial<LoadResult> = {}): LoadResult {
  const timeline: TimelinePoint[] = [];
  for (let t = 1; t <= 60; t++) {
    timeline.push({ t, targetRate: rate, sent: rate, received: rate, duplicates: 0, outstanding: lag(t), p50Ms: 5, p99Ms: 9, maxMs: 12 });
  }
  return {
    startedAt: '2026-11-24T00:00:00.000Z',
    options: {
      inputTopic: 'in',
      outputTopic: 'out',
      format: 'avro',
      profile: { phases: [{ rate, durationMs: 60_000 }] },
      keys: { kind: 'uniform' },
      accounts: 10_000,
      seed: 1,
      warmupMs: 0,
    },
    durationMs: 60_000,
    sent: rate * 60,
    sendErrors: 0,
    received: rate * 60,
    distinct: rate * 60,
    duplicates: 0,
    missing: 0,
    throughput: rate,
    latency: EMPTY_LATENCY,
    phases: [{ rate, durationMs: 60_000, sent: rate * 60, achievedSendRate: rate, latency: EMPTY_LATENCY }],
    lag: { peakOutstanding: 0, drainMs: 0 },
    timeline,
    ...overrides,
  };
}

test('a run whose lag stays small and flat is sustained', () => {
  const verdict = judgeTrial(
    run(10_000, (t) => 200 + (t % 3) * 50),
    10_000,
  );
  assert.deepEqual(verdict, { sustained: true, reasons: [] });
});

test('lag that keeps growing fails even while still under the end allowance', () => {
  // Flat, then 200 events/s of growth from t = 30: 6,000 over the second half against an allowance of
  // 5,000, while the mean of the last fifth (about 4,900) is still under the end allowance of 10,000.
  const verdict = judgeTrial(
    run(20_000, (t) => Math.max(0, t - 30) * 200),
    20_000,
  );
  assert.equal(verdict.sustained, false);
  assert.deepEqual(
    verdict.reasons.map((r) => r.replace(/\d+/g, 'N')),
    ['lag grew by N events over the second half'],
  );
});

test('a large lag at the end fails', () => {
  const verdict = judgeTrial(
    run(1_000, (t) => (t > 45 ? 5_000 : 0)),
    1_000,
  );
  assert.equal(verdict.sustained, false);
  assert.match(verdict.reasons.join(';'), /lag at the end 5000 events > 1000/);
});

test('a generator that could not keep up invalidates the trial', () => {
  // All 600,000 went out in the end, but only 9,000/s while the phase ran.
  const late = run(10_000, () => 0);
  const verdict = judgeTrial({ ...late, phases: [{ ...late.phases[0]!, achievedSendRate: 9_000 }] }, 10_000);
  assert.equal(verdict.sustained, false);
  assert.match(verdict.reasons[0] ?? '', /generator sent 9000\/s of 10000\/s/);
});

test('missing predictions fail an otherwise healthy run', () => {
  const verdict = judgeTrial(
    run(5_000, () => 10, { missing: 3 }),
    5_000,
  );
  assert.deepEqual(verdict, { sustained: false, reasons: ['3 predictions missing after the drain'] });
});

test('roundedRate rounds down to the granularity and never returns 0', () => {
  assert.equal(roundedRate(43_217, 0.85, 100), 36_700);
  assert.equal(roundedRate(40, 0.5, 100), 100);
});

const pass =
  (limit: number) =>
  async (rate: number): Promise<Verdict> => ({ sustained: rate <= limit, reasons: rate <= limit ? [] : ['over'] });

test('search walks down from a guess that is too high and stops at the first pass', async () => {
  const result = await searchSustainable(40_000, DEFAULT_PLAN, pass(29_000));
  assert.deepEqual(
    result.trials.map((t) => t.rate),
    [40_000, 34_000, 28_000],
  );
  assert.equal(result.rate, 28_000);
});

test('search walks up from a guess that passes and keeps the highest pass', async () => {
  const result = await searchSustainable(10_000, DEFAULT_PLAN, pass(12_000));
  assert.deepEqual(
    result.trials.map((t) => t.rate),
    [10_000, 11_500, 13_000],
  );
  assert.equal(result.rate, 11_500);
});

test('search reports 0 when nothing passes', async () => {
  const result = await searchSustainable(1_000, DEFAULT_PLAN, pass(0));
  assert.equal(result.rate, 0);
  assert.deepEqual(
    result.trials.map((t) => t.rate),
    [1_000, 800, 700, 500, 400, 200],
  );
});

test('the first guess is the probe’s rate, or the same repetition’s drain rate when the probe saw less (a subject starved by the flooding generator)', () => {
  assert.equal(firstGuess(0, 23_301.4), 23_301);
  assert.equal(firstGuess(30_000, 23_301), 30_000);
  assert.equal(firstGuess(12_000, null), 12_000);
  assert.equal(firstGuess(12_000, undefined), 12_000);
});
