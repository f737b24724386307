import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ScaleOutRun } from '../../../bench/results.ts';
import { FIRST_PREDICTION_TARGET_MS, renderScaleOutMarkdown, summarizeScaleOut } from '../../../bench/scale-out-report.ts';
import type { ClientName } from '../../../src/kafka/client.ts';
import { suiteResults } from './suite-results.ts';

interface Figures {
  readonly eventsPerSec: number;
  readonly cpu: number;
  readonly leave?: number;
  readonly join?: number;
  readonly first?: number | null;
  readonly missing?: number;
}

function run(rep: number, client: ClientName, replicas: number, f: Figures): ScaleOutRun {
  const base = { atS: 5, p99Ms: 30 };
  return {
    rep,
    client,
    replicas,
    drain: {
      events: 400_000,
      formedMs: 2000 + 1000 * replicas,
      firstPredictionMs: Array.from({ length: replicas }, () => 2000),
      drainMs: 15_000,
      steady: { events: 320_000, seconds: 320_000 / f.eventsPerSec, eventsPerSec: f.eventsPerSec, cpuUsPerEvent: f.cpu, cores: 1.9 },
      duplicates: 0,
      missing: f.missing ?? 0,
      peakRssMiB: 300 * replicas,
    },
    load: { rate: 5000, missing: 0, duplicates: (f.leave ?? 0) + (f.join ?? 0), peakOutstanding: 2000 },
    rebalances: [
      { kind: 'leave', from: replicas, to: replicas - 1, ...base, duplicates: f.leave ?? 0, exitMs: 600, exitCode: 0 },
      {
        kind: 'join',
        from: replicas - 1,
        to: replicas,
        ...base,
        atS: 10,
        duplicates: f.join ?? 0,
        readyMs: 1500,
        firstPredictionMs: f.first ?? 3000,
        firstPredictionCpuMs: 1800,
        failure: null,
      },
    ],
    notes: [],
  };
}

/** Two repetitions; the machine was busier in the second (everything slower). */
const RUNS: ScaleOutRun[] = [
  run(1, 'platformatic', 1, { eventsPerSec: 30_000, cpu: 40, first: 9000 }),
  run(1, 'platformatic', 2, { eventsPerSec: 27_000, cpu: 44 }),
  run(1, 'platformatic', 3, { eventsPerSec: 24_000, cpu: 48, first: 4000 }),
  run(1, 'kafkajs', 1, { eventsPerSec: 25_000, cpu: 45 }),
  run(1, 'kafkajs', 2, { eventsPerSec: 20_000, cpu: 50, leave: 40, join: 120 }),
  run(2, 'platformatic', 1, { eventsPerSec: 15_000, cpu: 42 }),
  run(2, 'platformatic', 2, { eventsPerSec: 12_000, cpu: 46, first: 6000 }),
  run(2, 'platformatic', 3, { eventsPerSec: 13_500, cpu: 50 }),
  run(2, 'kafkajs', 1, { eventsPerSec: 20_000, cpu: 44, missing: 3 }),
  run(2, 'kafkajs', 2, { eventsPerSec: 18_000, cpu: 52, leave: 10, join: 80 }),
];

const near = (a: number | undefined, b: number) => assert.ok(a !== undefined && Math.abs(a - b) < 1e-9, `${a} ≈ ${b}`);

test('throughput against one replica is taken within each repetition, then the median', () => {
  const { rows, repetitions } = summarizeScaleOut(RUNS, [1, 2, 3]);
  assert.equal(repetitions, 2);
  const three = rows.find((r) => r.client === 'platformatic' && r.replicas === 3);
  // 24,000 / 30,000 = 0.8 and 13,500 / 15,000 = 0.9; a ratio of medians would say 18,750 / 22,500 = 0.83.
  near(three?.speedup?.median, 0.85);
  near(three?.perReplica?.median, 6250);
  near(three?.cpuRatio?.min, 1.19047619047619);
  assert.deepEqual(
    rows.map((r) => `${r.client}:${r.replicas}`),
    ['kafkajs:1', 'kafkajs:2', 'platformatic:1', 'platformatic:2', 'platformatic:3'],
  );
});

test('the first-prediction target counts joins into a group that has members, not the restart of a lone replica', () => {
  const { targets } = summarizeScaleOut(RUNS, [1, 2, 3]);
  const first = targets.find((t) => t.name.includes('first prediction (platformatic)'));
  assert.equal(first?.goal, `≤ ${FIRST_PREDICTION_TARGET_MS / 1000} s`);
  // Joins from 1 and 2 replicas: 3,000, 4,000, 6,000, 3,000; the lone replicas' 9,000 is left out.
  assert.deepEqual(first?.measured, { median: 3500, min: 3000, max: 6000, n: 4 });
  assert.equal(first?.met, true);
});

test('zero duplicates per planned rebalance is the cooperative client’s target; the eager one is a reference', () => {
  const { targets } = summarizeScaleOut(RUNS, [1, 2, 3]);
  const cooperative = targets.find((t) => t.name.includes('planned rebalance') && t.name.includes('platformatic'));
  assert.equal(cooperative?.met, true);
  const eager = targets.find((t) => t.name.includes('planned rebalance') && t.name.includes('kafkajs'));
  assert.equal(eager?.met, null);
  // Only rebalances among members: the kafkajs runs of two replicas (40, 120, 10, 80).
  assert.deepEqual(eager?.measured, { median: 60, min: 10, max: 120, n: 4 });
  const missing = targets.find((t) => t.name.startsWith('Missing'));
  assert.equal(missing?.met, false);
  assert.equal(summarizeScaleOut(RUNS, [1, 2, 3]).rows.find((r) => r.client === 'kafkajs' && r.replicas === 1)?.missing, 3);
});

test('the Markdown says what the ratios mean on this machine, and nothing when the stage did not run', () => {
  const md = renderScaleOutMarkdown(suiteResults({ scaleOut: RUNS }, { repeat: 2 }));
  assert.ok(md);
  assert.match(md, /on 12 partitions, on each client; 2 cores \(Test CPU\)[^\n]*1 inference thread, 12 partitions/);
  assert.match(md, /\*\*On 2 cores more replicas cannot bring more CPU\*\*/);
  assert.match(md, /\| 1 × W1 \(platformatic\) \| 22,500 events\/s \(15,000–30,000\) \| 22,500 events\/s \(15,000–30,000\) \| 1 \(baseline\) \|/);
  assert.match(md, /\| 3 × W1 \(platformatic\) \| 18,750 events\/s \(13,500–24,000\) \| 6,250 events\/s \(4,500–8,000\) \| 0\.85× \(0\.80–0\.90\) \|/);
  assert.match(
    md,
    /\| 2 × W1 \(kafkajs\) \| 0 events \| 25 events \(10–40\) \| 600 ms \| 30\.0 ms \| 100 events \(80–120\) \| 3,000 ms \| 1,800 ms \| 30\.0 ms \| 0 \|/,
  );
  assert.equal(renderScaleOutMarkdown(suiteResults()), null);
});

test('a run that failed, and a joiner that did not start, are counted in their rows', () => {
  const failed: ScaleOutRun = { rep: 3, client: 'platformatic', replicas: 2, drain: null, load: null, rebalances: [], notes: ['failed: boom'] };
  const noJoin = run(3, 'kafkajs', 2, { eventsPerSec: 19_000, cpu: 50 });
  const rebalances = noJoin.rebalances.map((r) =>
    r.kind === 'join' ? { ...r, to: 1, readyMs: null, firstPredictionMs: null, firstPredictionCpuMs: null, failure: 'not ready' } : r,
  );
  const md = renderScaleOutMarkdown(suiteResults({ scaleOut: [...RUNS, failed, { ...noJoin, rebalances }] }, { repeat: 3 }));
  assert.match(md ?? '', /\| 2 × W1 \(platformatic\) \(\*\*1 failed\*\*\) \|/);
  assert.match(md ?? '', /\| 2 × W1 \(kafkajs\) \(\*\*1 join failed to start\*\*\) \|/);
});
