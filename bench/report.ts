/**
 * Turns the suite's runs into what PROTOCOL.md asks for: medians over repetitions, ratios measured side
 * by side within each repetition (then the median of those), the targets with met or missed,
 * CPU per event next to every rate, and the Markdown the README and bench/results/<date>.md show: the
 * drain's part (bench/drain-report.ts), the open-loop part here and the scale-out part
 * (bench/scale-out-report.ts). Pure.
 */
import { DEFAULT_CLIENT, FLOW_W1, passthroughOf, SUBJECTS, w1Of } from './catalog.ts';
import { renderDrainMarkdown, W1_SHARE_TARGET } from './drain-report.ts';
import { FLOW_BASELINE, flowTargets } from './flow-report.ts';
import { atLeast, atMost, machineLine, runsLabel, type Target, targetTable } from './markdown.ts';
import type { BurstRun, SubjectId, SuiteResults } from './results.ts';
import { renderScaleOutMarkdown } from './scale-out-report.ts';
import { defined, formatSpread, ratiosWithin, repetitions, type Spread, spread } from './spread.ts';

export type { Target } from './markdown.ts';
export { formatSpread, type Spread, spread } from './spread.ts';

/** 350 MB, the memory target, in the MiB that RSS is reported in. */
export const RSS_TARGET_MIB = 350e6 / 2 ** 20;
/** "Flat through the burst": once steady load is back, RSS grows by at most this share of its peak. */
export const RSS_FLAT_SHARE = 0.05;

export interface Row {
  readonly label: string;
  readonly value: Spread | null;
  readonly unit: string;
  /** CPU µs per event at that rate; undefined for rows without a subject process (the ceilings). */
  readonly cpu?: Spread | null;
}

export interface LatencyRow {
  readonly rate: number;
  readonly p50: Spread | null;
  readonly p90: Spread | null;
  readonly p99: Spread | null;
  readonly p999: Spread | null;
  readonly max: Spread | null;
  readonly peakRssMiB: Spread | null;
  readonly cpuUsPerEvent: Spread | null;
}

export interface Summary {
  readonly targets: readonly Target[];
  /** Highest sustainable rates (with CPU per event at them) and ceilings. */
  readonly throughput: readonly Row[];
  /** W1 at each fixed rate. */
  readonly latency: readonly LatencyRow[];
  readonly burst: readonly Row[];
}

function sustainedRate(results: SuiteResults, subject: SubjectId, rep: number): number | undefined {
  return results.sustainable.find((s) => s.subject === subject && s.rep === rep)?.rate;
}

function ceiling(results: SuiteResults, model: 'fraud' | 'heavy', rep: number): number | undefined {
  return results.ceilings.find((c) => c.model === model && c.rep === rep)?.best.rowsPerSec;
}

function burstFlat(b: BurstRun): boolean {
  return b.rss !== null && b.settledGrowthMiB !== null && b.rss.peakMiB <= RSS_TARGET_MIB && b.settledGrowthMiB <= b.rss.peakMiB * RSS_FLAT_SHARE;
}

/** The subjects of the sustainable-rate table, in the order shown; W1 through a flow only when it was measured. */
const SUSTAINED_ROWS: readonly SubjectId[] = ['w1-platformatic', FLOW_W1, 'w1-kafkajs', 'w2', 'passthrough-platformatic', 'passthrough-kafkajs', 'naive'];
const MEASURED_ONLY: ReadonlySet<SubjectId> = new Set([FLOW_W1]);

function burstRows(bursts: readonly BurstRun[]): Row[] {
  const rss = (pick: (r: NonNullable<BurstRun['rss']>) => number) => spread(defined(bursts.map((b) => (b.rss ? pick(b.rss) : undefined))));
  const rows: Row[] = [
    { label: 'Peak lag (events sent, not yet predicted)', value: spread(bursts.map((b) => b.peakOutstanding)), unit: 'events' },
    { label: 'Time to recover after the 10x phase', value: spread(defined(bursts.map((b) => b.recoverMs))), unit: 'ms' },
    { label: 'Scorer RSS at start', value: rss((r) => r.startMiB), unit: 'MiB' },
    { label: 'Scorer RSS peak', value: rss((r) => r.peakMiB), unit: 'MiB' },
    { label: 'Scorer RSS after the drain', value: rss((r) => r.endMiB), unit: 'MiB' },
    { label: 'Scorer RSS growth during the last steady phase', value: spread(defined(bursts.map((b) => b.settledGrowthMiB))), unit: 'MiB' },
    { label: 'Scorer CPU per event over the three phases', value: spread(defined(bursts.map((b) => b.cpuUsPerEvent))), unit: 'µs/event' },
  ];
  for (const [i, phase] of ['steady', '10x', 'steady again'].entries()) {
    rows.push({ label: `p99 end to end, ${phase}`, value: spread(defined(bursts.map((b) => b.p99ByPhaseMs[i]))), unit: 'ms' });
  }
  return rows;
}

export function summarize(results: SuiteResults): Summary {
  const reps = repetitions(results.settings.repeat);
  const ofSubject = (subject: SubjectId) => results.sustainable.filter((s) => s.subject === subject);
  const sustained = (subject: SubjectId) => spread(defined(ofSubject(subject).map((s) => s.rate)));
  const fixed = (rate: number) => results.fixed.filter((f) => f.rate === rate);
  const ratio = (a: (rep: number) => number | undefined, b: (rep: number) => number | undefined) => spread(ratiosWithin(reps, a, b));
  const rateOf = (subject: SubjectId) => (rep: number) => sustainedRate(results, subject, rep);
  const ceilingRow = (model: 'fraud' | 'heavy'): Row => ({
    label: `Inference ceiling, ${model} (raw onnxruntime-node, no Kafka)`,
    value: spread(defined(results.ceilings.filter((c) => c.model === model).map((c) => c.best.rowsPerSec))),
    unit: 'rows/s',
  });
  const throughput: Row[] = [
    ...SUSTAINED_ROWS.filter((subject) => !MEASURED_ONLY.has(subject) || ofSubject(subject).length > 0).map((subject) => ({
      label: SUBJECTS[subject].title,
      value: sustained(subject),
      unit: 'events/s',
      cpu: spread(defined(ofSubject(subject).map((s) => s.cpuUsPerEvent))),
    })),
    ceilingRow('fraud'),
    ceilingRow('heavy'),
  ];
  const latency: LatencyRow[] = results.settings.fixedRates.map((rate) => {
    const runs = fixed(rate);
    const of = (key: 'p50' | 'p90' | 'p99' | 'p999' | 'max') => spread(runs.map((r) => r.latency[key]));
    return {
      rate,
      p50: of('p50'),
      p90: of('p90'),
      p99: of('p99'),
      p999: of('p999'),
      max: of('max'),
      peakRssMiB: spread(defined(runs.map((r) => r.peakRssMiB))),
      cpuUsPerEvent: spread(defined(runs.map((r) => r.cpuUsPerEvent))),
    };
  });

  const w1 = w1Of(DEFAULT_CLIENT);
  const w1Rate = sustained(w1);
  const p99At5k = spread(fixed(5000).map((r) => r.latency.p99));
  const w1Share = ratio(rateOf(w1), rateOf(passthroughOf(DEFAULT_CLIENT)));
  const kafkajsShare = ratio(rateOf('w1-kafkajs'), rateOf('passthrough-kafkajs'));
  const w2VsInference = ratio(rateOf('w2'), (rep) => ceiling(results, 'heavy', rep));
  const w1VsNaive = ratio(rateOf(w1), rateOf('naive'));
  const passthroughClients = ratio(rateOf('passthrough-platformatic'), rateOf('passthrough-kafkajs'));
  const w1Clients = ratio(rateOf('w1-platformatic'), rateOf('w1-kafkajs'));
  const peakRss = spread(defined(results.bursts.map((b) => b.rss?.peakMiB)));
  const targets: Target[] = [
    { name: `W1 highest sustainable rate (${DEFAULT_CLIENT})`, goal: '≥ 50,000 events/s', measured: w1Rate, unit: 'events/s', met: atLeast(w1Rate, 50_000) },
    { name: `W1 p99 end to end at 5,000 events/s (${DEFAULT_CLIENT})`, goal: '≤ 25 ms', measured: p99At5k, unit: 'ms', met: atMost(p99At5k, 25) },
    {
      name: `W1 / pass-through on ${DEFAULT_CLIENT}, sustainable rate`,
      goal: `≥ ${W1_SHARE_TARGET}`,
      measured: w1Share,
      unit: '×',
      met: atLeast(w1Share, W1_SHARE_TARGET),
    },
    { name: 'W2 / inference ceiling (heavy)', goal: '≥ 0.85', measured: w2VsInference, unit: '×', met: atLeast(w2VsInference, 0.85) },
    { name: `W1 (${DEFAULT_CLIENT}) / naive scorer`, goal: '≥ 20', measured: w1VsNaive, unit: '×', met: atLeast(w1VsNaive, 20) },
    {
      name: 'Scorer RSS through the burst',
      goal: `peak ≤ 350 MB (${RSS_TARGET_MIB.toFixed(1)} MiB); growth ≤ ${RSS_FLAT_SHARE * 100}% of the peak once steady load is back`,
      measured: peakRss,
      unit: 'MiB',
      met: results.bursts.length === 0 ? null : results.bursts.every(burstFlat),
    },
    {
      name: 'Reference: W1 / pass-through on kafkajs, sustainable rate',
      goal: 'none (the target is the default client’s)',
      measured: kafkajsShare,
      unit: '×',
      met: null,
    },
    { name: 'Reference: platformatic / kafkajs, pass-through', goal: 'none (what the client costs)', measured: passthroughClients, unit: '×', met: null },
    { name: 'Reference: platformatic / kafkajs, W1', goal: 'none', measured: w1Clients, unit: '×', met: null },
  ];
  if (ofSubject(FLOW_W1).length > 0) {
    const cpuOf = (subject: SubjectId) => (rep: number) => results.sustainable.find((s) => s.subject === subject && s.rep === rep)?.cpuUsPerEvent ?? undefined;
    targets.push(
      ...flowTargets(
        { what: 'sustainable rate', ratio: ratio(rateOf(FLOW_W1), rateOf(FLOW_BASELINE)) },
        { what: 'CPU per event at the highest sustainable rate', ratio: ratio(cpuOf(FLOW_W1), cpuOf(FLOW_BASELINE)) },
      ),
    );
  }
  return { targets, throughput, latency, burst: burstRows(results.bursts) };
}

/** Whether the run measured anything besides the drain. */
function hasOpenLoop(results: SuiteResults): boolean {
  return results.ceilings.length + results.sustainable.length + results.fixed.length + results.bursts.length > 0;
}

/** The open-loop part: targets, sustainable rates, W1 latency at fixed rates, the burst; null when not run. */
export function renderSuiteMarkdown(results: SuiteResults): string | null {
  if (!hasOpenLoop(results)) return null;
  const { targets, throughput, latency, burst } = summarize(results);
  const s = results.settings;
  const runs = runsLabel(s.repeat);
  const ms = (v: Spread | null) => formatSpread(v, 'ms');
  const cpu = (v: Spread | null | undefined) => (v === undefined ? '–' : formatSpread(v, 'µs/event'));
  return [
    `Benchmark of ${results.startedAt.slice(0, 10)}: ${machineLine(results)}; ${s.mode} mode: ${s.repeat} repetition${s.repeat === 1 ? '' : 's'}, ${s.trialSeconds} s trials, ${s.burstPhaseSeconds} s burst phases. CPU per event: the subject process's user + system time (all threads) from the end of the warmup to the end of the phase, over the predictions it produced.`,
    '',
    ...targetTable(targets, runs),
    '',
    `| Highest sustainable rate | ${runs} | CPU at that rate |`,
    '|---|---|---|',
    ...throughput.map((r) => `| ${r.label} | ${formatSpread(r.value, r.unit)} | ${cpu(r.cpu)} |`),
    '',
    `| ${SUBJECTS[w1Of(DEFAULT_CLIENT)].title}, offered rate | p50 | p90 | p99 | p99.9 | max | peak scorer RSS | CPU |`,
    '|---|---|---|---|---|---|---|---|',
    ...latency.map(
      (r) =>
        `| ${r.rate.toLocaleString('en-US')}/s | ${ms(r.p50)} | ${ms(r.p90)} | ${ms(r.p99)} | ${ms(r.p999)} | ${ms(r.max)} | ${formatSpread(r.peakRssMiB, 'MiB')} | ${cpu(r.cpuUsPerEvent)} |`,
    ),
    '',
    `| Burst: ${s.burstBaseRate.toLocaleString('en-US')}/s, 10x, then steady | ${runs} |`,
    '|---|---|',
    ...burst.map((r) => `| ${r.label} | ${formatSpread(r.value, r.unit)} |`),
    '',
  ].join('\n');
}

/** The parts of a run's report; a part is null when its stages did not run. */
export interface ReportParts {
  readonly drain: string | null;
  readonly suite: string | null;
  readonly 'scale-out': string | null;
}

export function renderParts(results: SuiteResults): ReportParts {
  return { drain: renderDrainMarkdown(results), suite: renderSuiteMarkdown(results), 'scale-out': renderScaleOutMarkdown(results) };
}

/** bench/results/<date>.md: every part, the drain first (the figure). */
export function renderMarkdown(results: SuiteResults): string {
  const { drain, suite, 'scale-out': scaleOut } = renderParts(results);
  const parts = [drain, suite, scaleOut].filter((p): p is string => p !== null);
  return parts.length === 0 ? `Benchmark of ${results.startedAt.slice(0, 10)}: nothing measured yet.\n` : parts.join('\n');
}
