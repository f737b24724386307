import assert from 'node:assert/strict';
import { test } from 'node:test';
import { renderDrainMarkdown, rotationRatio, summarizeDrains, W1_SHARE_TARGET } from '../../../bench/drain-report.ts';
import { FLOW_SHARE_TARGET } from '../../../bench/flow-report.ts';
import type { DrainRun, DrainSubjectId, SuiteResults } from '../../../bench/results.ts';
import { suiteResults } from './suite-results.ts';

function drain(rep: number, subject: DrainSubjectId, eventsPerSec: number | null, cpuUsPerEvent: number | null): DrainRun {
  const steady = eventsPerSec === null ? null : { events: 320_000, seconds: 320_000 / eventsPerSec, eventsPerSec, cpuUsPerEvent, cores: 1 };
  return {
    rep,
    subject,
    events: 400_000,
    produceEventsPerSec: 80_000,
    startMs: 1500,
    startCpuMs: 1400,
    drainMs: eventsPerSec === null ? null : Math.round((400_000 / eventsPerSec) * 1000),
    whole: steady,
    steady,
    missing: eventsPerSec === null ? 400_000 : 0,
    duplicates: 0,
    peakRssMiB: 200,
    notes: [],
  };
}

/** Three rotations; rotation 2 ran while the machine was busy (everything slower), rotation 3 lost one drain. */
const DRAINS: DrainRun[] = [
  drain(1, 'w1-kafkajs', 40_000, 30),
  drain(1, 'passthrough-kafkajs', 50_000, 20),
  drain(1, 'w1-platformatic', 45_000, 28),
  drain(1, 'passthrough-platformatic', 90_000, 14),
  drain(2, 'w1-kafkajs', 20_000, 32),
  drain(2, 'passthrough-kafkajs', 40_000, 21),
  drain(2, 'w1-platformatic', 27_000, 29),
  drain(2, 'passthrough-platformatic', 30_000, 15),
  drain(3, 'w1-kafkajs', 42_000, 31),
  drain(3, 'passthrough-kafkajs', 60_000, 19),
  drain(3, 'w1-platformatic', null, null),
  drain(3, 'passthrough-platformatic', 80_000, 13),
];

const near = (a: number | undefined, b: number) => assert.ok(a !== undefined && Math.abs(a - b) < 1e-9, `${a} ≈ ${b}`);

test('ratios are taken within each rotation, then the median; a rotation missing either side is left out', () => {
  const share = rotationRatio(DRAINS, 'w1-platformatic', 'passthrough-platformatic', 'eventsPerSec');
  // Rotation 1: 0.5, rotation 2: 0.9, rotation 3: no W1 figure.
  assert.equal(share?.n, 2);
  near(share?.median, 0.7);
  near(share?.min, 0.5);
  near(share?.max, 0.9);
  // A ratio of the medians (36,000 / 80,000) would have said 0.45.
});

test('the target is W1 on the default client against that client’s pass-through', () => {
  const { targets, rotations } = summarizeDrains(DRAINS);
  assert.equal(rotations, 3);
  const [target, reference] = targets;
  assert.match(target?.name ?? '', /default client \(platformatic\)/);
  assert.equal(target?.goal, `≥ ${W1_SHARE_TARGET}`);
  assert.equal(target?.met, false);
  // kafkajs: 0.8, 0.5, 0.7 → median 0.7; a reference, so no verdict.
  near(reference?.measured?.median, 0.7);
  assert.equal(reference?.met, null);
});

test('the client table: each figure per client, platformatic / kafkajs within rotations', () => {
  const rows = new Map(summarizeDrains(DRAINS).clients.map((r) => [r.label, r]));
  const rate = rows.get('pass-through, events/s');
  assert.equal(rate?.kafkajs?.median, 50_000);
  assert.equal(rate?.platformatic?.median, 80_000);
  // 1.8, 0.75, 1.333 → median 1.333.
  near(rate?.ratio?.median, 80_000 / 60_000);
  const cpu = rows.get('W1 scorer, CPU per event');
  assert.equal(cpu?.kafkajs?.median, 31);
  assert.equal(cpu?.platformatic?.median, 28.5);
  const share = [...rows.values()].find((r) => r.label.startsWith('W1 / pass-through, events/s'));
  assert.equal(share?.ratio, null);
  near(share?.platformatic?.median, 0.7);
});

test('the cost of exactly-once: W1 exactly-once against W1 on platformatic, within rotations, only when it ran', () => {
  assert.equal(
    summarizeDrains(DRAINS).targets.some((t) => t.name.startsWith('Cost of exactly-once')),
    false,
  );
  const withEos = [...DRAINS, drain(1, 'w1-eos-platformatic', 36_000, 35), drain(2, 'w1-eos-platformatic', 24_300, 30)];
  const { targets, subjects } = summarizeDrains(withEos);
  const [rate, cpu] = targets.filter((t) => t.name.startsWith('Cost of exactly-once'));
  // Rotation 1: 36,000 / 45,000 = 0.8; rotation 2: 24,300 / 27,000 = 0.9; rotation 3 has no W1.
  near(rate?.measured?.median, 0.85);
  assert.equal(rate?.met, null);
  near(cpu?.measured?.max, 35 / 28);
  assert.equal(subjects.at(-1)?.title, 'W1 scorer, exactly-once (platformatic)');
});

test('the cost of a flow: flow / W1 on platformatic within rotations against 0.8, CPU per event beside it, only when it ran', () => {
  assert.equal(
    summarizeDrains(DRAINS).targets.some((t) => t.name.startsWith('Cost of a flow')),
    false,
  );
  // Rotation 1: 31,500 / 45,000 = 0.7; rotation 2: 24,300 / 27,000 = 0.9; rotation 3 has no W1.
  const withFlow = [
    ...DRAINS,
    drain(1, 'w1-flow-platformatic', 31_500, 42),
    drain(2, 'w1-flow-platformatic', 24_300, 34.8),
    drain(3, 'w1-flow-platformatic', 30_000, 40),
  ];
  const withBoth = [...withFlow, drain(1, 'w1-eos-platformatic', 36_000, 35)];
  const { targets, subjects } = summarizeDrains(withBoth);
  const [rate, cpu] = targets.filter((t) => t.name.startsWith('Cost of a flow'));
  assert.equal(rate?.name, 'Cost of a flow (hooks, A/B): flow / W1 (platformatic), drain events/s');
  assert.equal(rate?.goal, `≥ ${FLOW_SHARE_TARGET}`);
  near(rate?.measured?.median, 0.8);
  assert.equal(rate?.measured?.n, 2);
  assert.equal(rate?.met, true);
  // CPU: 42 / 28 = 1.5, 34.8 / 29 = 1.2.
  near(cpu?.measured?.median, 1.35);
  assert.equal(cpu?.met, null);
  assert.deepEqual(
    subjects.slice(-2).map((s) => s.subject),
    ['w1-flow-platformatic', 'w1-eos-platformatic'],
  );
  const md = renderDrainMarkdown(results(withBoth));
  assert.match(md ?? '', /then on platformatic with W1 through a flow \(hooks, A\/B\), then W1 exactly-once after W1\)/);
  assert.match(md ?? '', /\| Cost of a flow \(hooks, A\/B\): flow \/ W1 \(platformatic\), drain events\/s \| ≥ 0\.8 \| 0\.80× \(0\.70–0\.90\) \| yes \|/);
  assert.match(md ?? '', /\| W1 through a flow: hooks, A\/B \(platformatic\) \| 30,000 events\/s/);
});

test('the cost of tracing: traced W1 / W1 on platformatic within rotations, rate against 0.9 and CPU per event against 1.1, only when it ran', () => {
  assert.equal(
    summarizeDrains(DRAINS).targets.some((t) => t.name.startsWith('Cost of tracing')),
    false,
  );
  // Rotation 1: 43,200 / 45,000 = 0.96, CPU 30.8 / 28 = 1.1; rotation 2: 22,950 / 27,000 = 0.85, CPU 31.9 / 29 = 1.1.
  const traced = [...DRAINS, drain(1, 'w1-traced-platformatic', 43_200, 30.8), drain(2, 'w1-traced-platformatic', 22_950, 31.9)];
  const [rate, cpu] = summarizeDrains(traced).targets.filter((t) => t.name.startsWith('Cost of tracing'));
  assert.equal(rate?.name, 'Cost of tracing at 1%: traced W1 / W1 scorer (platformatic), drain events/s');
  near(rate?.measured?.median, 0.905);
  assert.equal(rate?.met, true);
  near(cpu?.measured?.median, 1.1);
  assert.equal(cpu?.goal, '≤ 1.1');
  const md = renderDrainMarkdown(results(traced));
  assert.match(md ?? '', /then on platformatic with W1 traced at 1% after W1\)/);
  assert.match(md ?? '', /\| W1 with tracing at 1% sampling \(platformatic\) \| 33,075 events\/s/);
});

test('the subject table counts incomplete drains', () => {
  const w1 = summarizeDrains(DRAINS).subjects.find((s) => s.subject === 'w1-platformatic');
  assert.equal(w1?.incomplete, 1);
  assert.equal(w1?.title, 'W1 scorer (platformatic)');
  assert.equal(w1?.steadyRate?.n, 2);
});

function results(drains: readonly DrainRun[]): SuiteResults {
  return suiteResults({ drains });
}

test('the drain Markdown: the target, the client table with CPU per event, and nothing when no drain ran', () => {
  const md = renderDrainMarkdown(results(DRAINS));
  assert.ok(md);
  assert.match(md, /Drain of 400,000 W1 events, 3 rotations/);
  assert.match(md, /\| W1 \/ pass-through on the default client \(platformatic\), drain events\/s \| ≥ 0\.85 \| 0\.70× \(0\.50–0\.90\) \| \*\*no\*\* \|/);
  assert.match(md, /\| pass-through, CPU per event \| 20\.0 µs\/event \(19\.0–21\.0\) \| 14\.0 µs\/event \(13\.0–15\.0\) \| 0\.70× \(0\.68–0\.71\) \|/);
  assert.match(md, /\| W1 scorer \(platformatic\) \(\*\*1 incomplete\*\*\) \|/);
  assert.equal(renderDrainMarkdown(results([])), null);
});
