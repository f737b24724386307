import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseProfile } from '../../../loadgen/profile.ts';
import { formatSummary, formatTable } from '../../../loadgen/summary.ts';
import type { LatencySummary, LoadResult } from '../../../loadgen/types.ts';

const LATENCY: LatencySummary = { count: 1_190_000, mean: 4.04, p50: 3.21, p90: 6.5, p99: 18.44, p999: 40.25, max: 1234.56 };

function result(overrides: Partial<LoadResult> = {}): LoadResult {
  const profile = parseProfile('1000@60s,10000@60s');
  return {
    startedAt: '2025-03-03T09:00:00.000Z',
    options: {
      inputTopic: 'in',
      outputTopic: 'out',
      format: 'avro',
      profile,
      keys: { kind: 'zipf', exponent: 1.2 },
      accounts: 10_000,
      seed: 42,
      warmupMs: 10_000,
    },
    durationMs: 121_500,
    sent: 660_000,
    sendErrors: 0,
    received: 660_000,
    distinct: 660_000,
    duplicates: 0,
    missing: 0,
    throughput: 5432.1,
    latency: LATENCY,
    phases: [
      { rate: 1000, durationMs: 60_000, sent: 60_000, achievedSendRate: 1000, latency: { ...LATENCY, count: 50_000, p99: 5.55 } },
      { rate: 10_000, durationMs: 60_000, sent: 600_000, achievedSendRate: 9999.6, latency: { ...LATENCY, count: 600_000 } },
    ],
    lag: { peakOutstanding: 12_345, drainMs: 1500 },
    timeline: [],
    ...overrides,
  };
}

test('the summary shows counts with separators, latency to one decimal, and every phase', () => {
  const text = formatSummary(result());
  assert.match(text, /profile {3}1,000\/s for 60 s, then 10,000\/s for 60 s/);
  assert.match(text, /keys zipf s=1\.2 over 10,000 accounts, seed 42/);
  assert.match(text, /sent {8}660,000/);
  assert.match(text, /throughput +5,432\/s +distinct over 2 min 2 s/);
  assert.match(text, /overall +1,190,000 +3\.2 +6\.5 +18\.4 +40\.3 +1,234\.6 +4\.0/);
  assert.match(text, /^ {2}1 +1,000\/s +60 s +60,000 +1,000\/s +50,000 +3\.2 +5\.6 +1,234\.6$/m);
  assert.match(text, /^ {2}2 +10,000\/s +60 s +600,000 +10,000\/s +600,000 +3\.2 +18\.4 +1,234\.6$/m);
  assert.match(text, /peak outstanding +12,345/);
  assert.match(text, /drain +1\.5 s/);
  assert.match(text, /first 10 s left out as warmup/);
  assert.match(text, /OK: every event sent got a prediction, none twice\n$/);
  assert.doesNotMatch(text, /!!/);
  assert.doesNotMatch(text, /group lag|Memory/);
});

test('missing, duplicates, send errors and a run that never drained are flagged', () => {
  const text = formatSummary(result({ missing: 7, duplicates: 1200, sendErrors: 3, lag: { peakOutstanding: 1, peakGroupLag: 2500, drainMs: null } }));
  assert.match(text, /duplicates +1,200 +<-- !! DUPLICATES/);
  assert.match(text, /missing +7 +<-- !! MISSING PREDICTIONS/);
  assert.match(text, /sent +660,000 +<-- !! 3 send errors/);
  assert.match(text, /drain +never +<-- !! outstanding never fell to 0/);
  assert.match(text, /peak group lag +2,500/);
  assert.match(text, /!! PROBLEM: 7 missing, 1,200 duplicates, 3 send errors\n$/);
});

test('memory appears when sampled; an empty latency reads as zeros', () => {
  const empty: LatencySummary = { count: 0, mean: 0, p50: 0, p90: 0, p99: 0, p999: 0, max: 0 };
  const text = formatSummary(
    result({ memory: { startMiB: 120.4, peakMiB: 1431, endMiB: 230 }, latency: empty, options: { ...result().options, warmupMs: 0 } }),
  );
  assert.match(text, /start 120 MiB, peak 1,431 MiB, end 230 MiB/);
  assert.match(text, /overall +0 +0\.0 +0\.0 +0\.0 +0\.0 +0\.0 +0\.0/);
  assert.match(text, /no warmup left out/);
});

test('formatTable aligns columns as asked', () => {
  assert.deepEqual(
    formatTable(
      [
        ['a', '1', 'x'],
        ['bbb', '22', 'yy'],
      ],
      'lrl',
    ),
    ['  a     1  x', '  bbb  22  yy'],
  );
  assert.deepEqual(
    formatTable([
      ['a', '1'],
      ['bb', '100'],
    ]),
    ['  a     1', '  bb  100'],
  );
});
