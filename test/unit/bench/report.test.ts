import assert from 'node:assert/strict';
import { test } from 'node:test';
import { formatSpread, RSS_TARGET_MIB, renderMarkdown, renderParts, spread, summarize } from '../../../bench/report.ts';
import type { SuiteResults, SustainRun } from '../../../bench/results.ts';
import { suiteResults } from './suite-results.ts';

const latency = (p99: number) => ({ count: 100, mean: p99 / 2, p50: p99 / 3, p90: p99 / 2, p99, p999: p99 * 2, max: p99 * 3 });

function sustain(rep: number, subject: SustainRun['subject'], rate: number, cpuUsPerEvent: number | null = null): SustainRun {
  return { rep, subject, guess: rate, rate, cpuUsPerEvent, trials: [] };
}

function suite(): SuiteResults {
  return suiteResults(
    {
      startedAt: '2026-11-24T10:00:00.000Z',
      ceilings: [1, 2].map((rep) => ({ rep, model: 'heavy' as const, threads: 1, results: [], best: { batchSize: 256, rowsPerSec: 10_000 } })),
      drains: [],
      sustainable: [
        sustain(1, 'w1-platformatic', 40_000, 30),
        sustain(1, 'passthrough-platformatic', 50_000, 15),
        sustain(1, 'w1-kafkajs', 30_000),
        sustain(1, 'naive', 1_000),
        sustain(1, 'w2', 9_000),
        sustain(2, 'w1-platformatic', 45_000, 34),
        sustain(2, 'passthrough-platformatic', 50_000, 16),
        sustain(2, 'naive', 3_000),
        sustain(2, 'w2', 8_000),
      ],
      fixed: [1, 2].map((rep) => ({
        rep,
        rate: 5000,
        sustained: true,
        throughput: 5000,
        latency: latency(rep === 1 ? 20 : 30),
        missing: 0,
        duplicates: 0,
        peakRssMiB: 200,
        cpuUsPerEvent: rep === 1 ? 60 : 80,
      })),
      bursts: [1, 2].map((rep) => ({
        rep,
        baseRate: 5000,
        peakRate: 50_000,
        peakOutstanding: 100_000,
        recoverMs: 20_000,
        rss: { startMiB: 200, peakMiB: rep === 1 ? 300 : RSS_TARGET_MIB + 1, endMiB: 210 },
        settledGrowthMiB: 2,
        p99ByPhaseMs: [10, 900, 12],
        missing: 0,
        duplicates: 0,
        cpuUsPerEvent: 35,
        chart: 'x.svg',
      })),
    },
    { repeat: 2, fixedRates: [5000] },
  );
}

test('spread gives the median and range', () => {
  assert.deepEqual(spread([3, 1, 2]), { median: 2, min: 1, max: 3, n: 3 });
  assert.deepEqual(spread([4, 1]), { median: 2.5, min: 1, max: 4, n: 2 });
  assert.equal(spread([]), null);
});

test('ratios are taken within each repetition, then the median', () => {
  const targets = new Map(summarize(suite()).targets.map((t) => [t.name, t]));
  // w1/naive per repetition: 40 and 15; median 27.5. A ratio of medians would give 42,500 / 2,000 = 21.25.
  assert.equal(targets.get('W1 (platformatic) / naive scorer')?.measured?.median, 27.5);
  // W1 / pass-through on the default client: 0.8 and 0.9.
  assert.ok(Math.abs((targets.get('W1 / pass-through on platformatic, sustainable rate')?.measured?.median ?? 0) - 0.85) < 1e-9);
  assert.equal(targets.get('W1 / pass-through on platformatic, sustainable rate')?.met, true);
  assert.ok(Math.abs((targets.get('W2 / inference ceiling (heavy)')?.measured?.median ?? 0) - 0.85) < 1e-9);
  assert.equal(targets.get('W1 highest sustainable rate (platformatic)')?.met, false);
  assert.equal(targets.get('W1 p99 end to end at 5,000 events/s (platformatic)')?.measured?.median, 25);
  assert.equal(targets.get('W1 p99 end to end at 5,000 events/s (platformatic)')?.met, true);
  // One burst went over 350 MB, so the memory target is missed although the median is under it.
  assert.equal(targets.get('Scorer RSS through the burst')?.met, false);
  // No kafkajs pass-through ran, so neither ratio against it can be taken; W1 on kafkajs ran once.
  assert.equal(targets.get('Reference: W1 / pass-through on kafkajs, sustainable rate')?.measured, null);
  assert.equal(targets.get('Reference: platformatic / kafkajs, pass-through')?.measured, null);
  assert.deepEqual(targets.get('Reference: platformatic / kafkajs, W1')?.measured, {
    median: 40_000 / 30_000,
    min: 40_000 / 30_000,
    max: 40_000 / 30_000,
    n: 1,
  });
});

test('CPU per event sits next to every sustainable rate and fixed-rate row', () => {
  const { throughput, latency, burst } = summarize(suite());
  const w1 = throughput.find((r) => r.label === 'W1 scorer (platformatic)');
  assert.deepEqual(w1?.cpu, { median: 32, min: 30, max: 34, n: 2 });
  assert.equal(throughput.find((r) => r.label === 'W1 scorer (kafkajs)')?.cpu, null);
  assert.equal(throughput.find((r) => r.label.startsWith('Inference ceiling, fraud'))?.cpu, undefined);
  assert.equal(latency[0]?.cpuUsPerEvent?.median, 70);
  assert.equal(burst.find((r) => r.label.startsWith('Scorer CPU per event'))?.value?.median, 35);
});

test('the Markdown names the machine and marks missed targets', () => {
  const md = renderMarkdown(suite());
  assert.match(md, /2 cores \(Test CPU\), 24 GiB/);
  assert.match(md, /\| W1 highest sustainable rate \(platformatic\) \| ≥ 50,000 events\/s \| 42,500 events\/s \(40,000–45,000\) \| \*\*no\*\* \|/);
  assert.match(md, /\| W1 scorer \(platformatic\) \| 42,500 events\/s \(40,000–45,000\) \| 32\.0 µs\/event \(30\.0–34\.0\) \|/);
  assert.match(
    md,
    /\| 5,000\/s \| 8\.3 ms \(6\.7–10\.0\) \| 12\.5 ms \(10\.0–15\.0\) \| 25\.0 ms \(20\.0–30\.0\) \| 50\.0 ms \(40\.0–60\.0\) \| 75\.0 ms \(60\.0–90\.0\) \| 200 MiB \| 70\.0 µs\/event \(60\.0–80\.0\) \|/,
  );
  assert.match(md, /not measured/);
});

test('a run without a drain has no drain part, one without open-loop stages no suite part', () => {
  assert.equal(renderParts(suite()).drain, null);
  const drainOnly: SuiteResults = { ...suite(), sustainable: [], fixed: [], bursts: [], ceilings: [] };
  assert.equal(renderParts(drainOnly).suite, null);
  assert.match(renderMarkdown(drainOnly), /nothing measured/);
});

test('formatSpread shows a single run without a range', () => {
  assert.equal(formatSpread({ median: 0.8123, min: 0.8123, max: 0.8123, n: 1 }, '×'), '0.81×');
  assert.equal(formatSpread(null, 'ms'), 'not measured');
});

test('the cost of a flow: flow / W1 (platformatic) per repetition against 0.8, CPU per event beside it, only when the flow ran', () => {
  const names = (results: SuiteResults) => summarize(results).targets.map((t) => t.name);
  assert.equal(
    names(suite()).some((n) => n.startsWith('Cost of a flow')),
    false,
  );
  assert.equal(
    summarize(suite()).throughput.some((r) => r.label.startsWith('W1 through a flow')),
    false,
  );
  const base = suite();
  // Repetition 1: 30,000 / 40,000 = 0.75; repetition 2: 40,500 / 45,000 = 0.9; median 0.825.
  const withFlow: SuiteResults = {
    ...base,
    sustainable: [...base.sustainable, sustain(1, 'w1-flow-platformatic', 30_000, 39), sustain(2, 'w1-flow-platformatic', 40_500, 37.4)],
  };
  const { targets, throughput } = summarize(withFlow);
  const [rate, cpu] = targets.filter((t) => t.name.startsWith('Cost of a flow'));
  assert.equal(rate?.name, 'Cost of a flow (hooks, A/B): flow / W1 (platformatic), sustainable rate');
  assert.equal(rate?.goal, '≥ 0.8');
  assert.ok(Math.abs((rate?.measured?.median ?? 0) - 0.825) < 1e-9);
  assert.equal(rate?.met, true);
  // CPU: 39 / 30 = 1.3, 37.4 / 34 = 1.1.
  assert.ok(Math.abs((cpu?.measured?.median ?? 0) - 1.2) < 1e-9);
  assert.equal(cpu?.met, null);
  assert.deepEqual(
    throughput.slice(0, 3).map((r) => r.label),
    ['W1 scorer (platformatic)', 'W1 through a flow: hooks, A/B (platformatic)', 'W1 scorer (kafkajs)'],
  );
  assert.match(
    renderMarkdown(withFlow),
    /\| Cost of a flow \(hooks, A\/B\): flow \/ W1 \(platformatic\), sustainable rate \| ≥ 0\.8 \| 0\.82× \(0\.75–0\.90\) \| yes \|/,
  );
});
