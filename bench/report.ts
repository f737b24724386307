/**
 * Turns the suite's runs into what PROTOCOL.md asks for: medians over repetitions, ratios measured side
 * by side within each repetition (then the median of those), the targets with met or missed,
 * and the Markdown the README and bench/results/<date>.md show. Pure.
 */
import type { BurstRun, SubjectId, SuiteResults } from './results.ts';

/** 350 MB, the memory target, in the MiB that RSS is reported in. */
export const RSS_TARGET_MIB = 350e6 / 2 ** 20;
/** "Flat through the burst": once steady load is back, RSS grows by at most this share of its peak. */
export const RSS_FLAT_SHARE = 0.05;

export interface Spread {
  readonly median: number;
  readonly min: number;
  readonly max: number;
  readonly n: number;
}

export function spread(values: readonly number[]): Spread | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  const median = sorted.length % 2 === 1 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
  return { median, min: sorted[0] as number, max: sorted[sorted.length - 1] as number, n: sorted.length };
}

export interface Target {
  readonly name: string;
  readonly goal: string;
  readonly measured: Spread | null;
  readonly unit: string;
  /** null when not measured in this run. */
  readonly met: boolean | null;
}

export interface Row {
  readonly label: string;
  readonly value: Spread | null;
  readonly unit: string;
}

export interface LatencyRow {
  readonly rate: number;
  readonly p50: Spread | null;
  readonly p90: Spread | null;
  readonly p99: Spread | null;
  readonly p999: Spread | null;
  readonly max: Spread | null;
  readonly peakRssMiB: Spread | null;
}

export interface Summary {
  readonly targets: readonly Target[];
  /** Highest sustainable rates and ceilings. */
  readonly throughput: readonly Row[];
  /** W1 at each fixed rate. */
  readonly latency: readonly LatencyRow[];
  readonly burst: readonly Row[];
}

function reps(results: SuiteResults): number[] {
  return Array.from({ length: results.settings.repeat }, (_, i) => i + 1);
}

function sustainedRate(results: SuiteResults, subject: SubjectId, rep: number): number | undefined {
  return results.sustainable.find((s) => s.subject === subject && s.rep === rep)?.rate;
}

function ceiling(results: SuiteResults, model: 'fraud' | 'heavy', rep: number): number | undefined {
  return results.ceilings.find((c) => c.model === model && c.rep === rep)?.best.rowsPerSec;
}

/** Per repetition a / b, only where both were measured and b > 0: ratios never mix repetitions. */
function ratios(results: SuiteResults, a: (rep: number) => number | undefined, b: (rep: number) => number | undefined): number[] {
  const out: number[] = [];
  for (const rep of reps(results)) {
    const x = a(rep);
    const y = b(rep);
    if (x !== undefined && y !== undefined && y > 0) out.push(x / y);
  }
  return out;
}

function defined(values: readonly (number | null | undefined)[]): number[] {
  return values.filter((v): v is number => typeof v === 'number' && Number.isFinite(v));
}

function atLeast(measured: Spread | null, goal: number): boolean | null {
  return measured === null ? null : measured.median >= goal;
}

function atMost(measured: Spread | null, goal: number): boolean | null {
  return measured === null ? null : measured.median <= goal;
}

function burstFlat(b: BurstRun): boolean {
  return b.rss !== null && b.settledGrowthMiB !== null && b.rss.peakMiB <= RSS_TARGET_MIB && b.settledGrowthMiB <= b.rss.peakMiB * RSS_FLAT_SHARE;
}

export function summarize(results: SuiteResults): Summary {
  const sustained = (subject: SubjectId) => spread(defined(results.sustainable.filter((s) => s.subject === subject).map((s) => s.rate)));
  const fixed = (rate: number) => results.fixed.filter((f) => f.rate === rate);
  const throughput: Row[] = [
    { label: 'W1 scorer (fraud, Avro in and out)', value: sustained('w1'), unit: 'events/s' },
    { label: 'W2 scorer (heavy MLP)', value: sustained('w2'), unit: 'events/s' },
    { label: 'Kafka ceiling: pass-through on kafkajs', value: sustained('kafka-kafkajs'), unit: 'events/s' },
    { label: 'Reference: pass-through on @platformatic/kafka', value: sustained('kafka-platformatic'), unit: 'events/s' },
    { label: 'Naive scorer (eachMessage, one run and one send per event)', value: sustained('naive'), unit: 'events/s' },
    {
      label: 'Inference ceiling, fraud (raw onnxruntime-node, no Kafka)',
      value: spread(defined(results.ceilings.filter((c) => c.model === 'fraud').map((c) => c.best.rowsPerSec))),
      unit: 'rows/s',
    },
    {
      label: 'Inference ceiling, heavy (raw onnxruntime-node, no Kafka)',
      value: spread(defined(results.ceilings.filter((c) => c.model === 'heavy').map((c) => c.best.rowsPerSec))),
      unit: 'rows/s',
    },
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
    };
  });
  const bursts = results.bursts;
  const burst: Row[] = [
    { label: 'Peak lag (events sent, not yet predicted)', value: spread(bursts.map((b) => b.peakOutstanding)), unit: 'events' },
    { label: 'Time to recover after the 10x phase', value: spread(defined(bursts.map((b) => b.recoverMs))), unit: 'ms' },
  ];
  const rss = (pick: (r: NonNullable<BurstRun['rss']>) => number) => spread(defined(bursts.map((b) => (b.rss ? pick(b.rss) : undefined))));
  burst.push(
    { label: 'Scorer RSS at start', value: rss((r) => r.startMiB), unit: 'MiB' },
    { label: 'Scorer RSS peak', value: rss((r) => r.peakMiB), unit: 'MiB' },
    { label: 'Scorer RSS after the drain', value: rss((r) => r.endMiB), unit: 'MiB' },
    { label: 'Scorer RSS growth during the last steady phase', value: spread(defined(bursts.map((b) => b.settledGrowthMiB))), unit: 'MiB' },
  );
  for (const [i, phase] of ['steady', '10x', 'steady again'].entries()) {
    burst.push({ label: `p99 end to end, ${phase}`, value: spread(defined(bursts.map((b) => b.p99ByPhaseMs[i]))), unit: 'ms' });
  }

  const w1 = (rep: number) => sustainedRate(results, 'w1', rep);
  const w1Rate = sustained('w1');
  const p99At5k = spread(fixed(5000).map((r) => r.latency.p99));
  const w1VsKafka = spread(ratios(results, w1, (rep) => sustainedRate(results, 'kafka-kafkajs', rep)));
  const w2VsInference = spread(
    ratios(
      results,
      (rep) => sustainedRate(results, 'w2', rep),
      (rep) => ceiling(results, 'heavy', rep),
    ),
  );
  const w1VsNaive = spread(ratios(results, w1, (rep) => sustainedRate(results, 'naive', rep)));
  const platformatic = spread(
    ratios(
      results,
      (rep) => sustainedRate(results, 'kafka-platformatic', rep),
      (rep) => sustainedRate(results, 'kafka-kafkajs', rep),
    ),
  );
  const peakRss = spread(defined(bursts.map((b) => b.rss?.peakMiB)));
  const targets: Target[] = [
    { name: 'W1 highest sustainable rate', goal: '≥ 50,000 events/s', measured: w1Rate, unit: 'events/s', met: atLeast(w1Rate, 50_000) },
    { name: 'W1 p99 end to end at 5,000 events/s', goal: '≤ 25 ms', measured: p99At5k, unit: 'ms', met: atMost(p99At5k, 25) },
    { name: 'W1 / Kafka ceiling (kafkajs pass-through)', goal: '≥ 0.8', measured: w1VsKafka, unit: '×', met: atLeast(w1VsKafka, 0.8) },
    { name: 'W2 / inference ceiling (heavy)', goal: '≥ 0.85', measured: w2VsInference, unit: '×', met: atLeast(w2VsInference, 0.85) },
    { name: 'W1 / naive scorer', goal: '≥ 20', measured: w1VsNaive, unit: '×', met: atLeast(w1VsNaive, 20) },
    {
      name: 'Scorer RSS through the burst',
      goal: `peak ≤ 350 MB (${RSS_TARGET_MIB.toFixed(1)} MiB); growth ≤ ${RSS_FLAT_SHARE * 100}% of the peak once steady load is back`,
      measured: peakRss,
      unit: 'MiB',
      met: bursts.length === 0 ? null : bursts.every(burstFlat),
    },
    { name: 'Reference: @platformatic/kafka / kafkajs pass-through', goal: 'none (what the client costs)', measured: platformatic, unit: '×', met: null },
  ];
  return { targets, throughput, latency, burst };
}

function formatNumber(value: number, unit: string): string {
  if (unit === '×') return value.toFixed(2);
  if (unit === 'ms') return value < 100 ? value.toFixed(1) : Math.round(value).toLocaleString('en-US');
  return Math.round(value).toLocaleString('en-US');
}

export function formatSpread(value: Spread | null, unit: string): string {
  if (value === null) return 'not measured';
  const median = formatNumber(value.median, unit);
  const suffix = unit === '×' ? '×' : ` ${unit}`;
  if (value.n === 1 || value.min === value.max) return `${median}${suffix}`;
  return `${median}${suffix} (${formatNumber(value.min, unit)}–${formatNumber(value.max, unit)})`;
}

function machineLine(results: SuiteResults): string {
  const m = results.machine;
  const s = results.settings;
  return [
    `${m.cores} cores (${m.cpuModel}), ${m.memoryGiB} GiB, ${m.os}; Node ${m.node}; Kafka ${m.kafka}`,
    m.brokerColocated ? 'broker, scorer and load generator on the same machine' : 'broker on another machine',
    `${s.threads} inference thread${s.threads === 1 ? '' : 's'}, ${s.partitions} partitions`,
    `${s.mode} mode: ${s.repeat} repetition${s.repeat === 1 ? '' : 's'}, ${s.trialSeconds} s trials, ${s.burstPhaseSeconds} s burst phases`,
  ].join('; ');
}

export function renderMarkdown(results: SuiteResults): string {
  const { targets, throughput, latency, burst } = summarize(results);
  const runs = results.settings.repeat === 1 ? 'one run' : `median (min–max) over ${results.settings.repeat} runs`;
  const ms = (v: Spread | null) => formatSpread(v, 'ms');
  return [
    `Benchmark of ${results.startedAt.slice(0, 10)}: ${machineLine(results)}.`,
    '',
    `| Target | Goal | Measured, ${runs} | Met |`,
    '|---|---|---|---|',
    ...targets.map((t) => `| ${t.name} | ${t.goal} | ${formatSpread(t.measured, t.unit)} | ${t.met === null ? '–' : t.met ? 'yes' : '**no**'} |`),
    '',
    `| Highest sustainable rate | ${runs} |`,
    '|---|---|',
    ...throughput.map((r) => `| ${r.label} | ${formatSpread(r.value, r.unit)} |`),
    '',
    `| W1 offered rate | p50 | p90 | p99 | p99.9 | max | peak scorer RSS |`,
    '|---|---|---|---|---|---|---|',
    ...latency.map(
      (r) =>
        `| ${r.rate.toLocaleString('en-US')}/s | ${ms(r.p50)} | ${ms(r.p90)} | ${ms(r.p99)} | ${ms(r.p999)} | ${ms(r.max)} | ${formatSpread(r.peakRssMiB, 'MiB')} |`,
    ),
    '',
    `| Burst: ${results.settings.burstBaseRate.toLocaleString('en-US')}/s, 10x, then steady | ${runs} |`,
    '|---|---|',
    ...burst.map((r) => `| ${r.label} | ${formatSpread(r.value, r.unit)} |`),
    '',
  ].join('\n');
}
