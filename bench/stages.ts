/**
 * The suite's open-loop kinds of measurement, each turning runs into the records of bench/results.ts:
 * the inference ceiling, the highest sustainable rate of a subject, W1 at a fixed rate, and the burst
 * (the drain is bench/drain.ts). Each run's CPU per event is taken over its measured part: from the end
 * of the warmup to the end of the phases.
 */
import type { LoadResult } from '../loadgen/types.ts';
import { DEFAULT_CLIENT, SUBJECTS, w1Of } from './catalog.ts';
import { clockTicksPerSecond } from './cpu.ts';
import { measureInferenceCeiling } from './inference-ceiling.ts';
import type { BenchOptions } from './options.ts';
import type { BurstRun, CeilingRun, FixedRun, SubjectId, SustainRun, TrialRecord } from './results.ts';
import { type MeasuredRun, measuredRun, type RunContext } from './runner.ts';
import { DEFAULT_PLAN, firstGuess, judgeTrial, searchSustainable } from './sustainable.ts';
import { trialWindow, windowFigures } from './windows.ts';

/** The W1 subject of the fixed-rate and burst stages: the scorer as it ships, on its default client. */
const W1_DEFAULT = w1Of(DEFAULT_CLIENT);

/** Where the suite reports what it is doing; the live progress line of each run goes to stderr too. */
export type Say = (line: string) => void;

export async function ceilingStage(rep: number, model: 'fraud' | 'heavy', options: BenchOptions, say: Say): Promise<CeilingRun> {
  say(`inference ceiling, ${model}: raw onnxruntime-node on ${options.threads} thread(s), batches 64 to 1024`);
  const durationMs = Math.max(2_000, Math.round(options.trialMs / 10));
  const measured = await measureInferenceCeiling({ model, threads: options.threads, batchSizes: [64, 256, 1024], durationMs });
  say(`  best ${Math.round(measured.best.rowsPerSec).toLocaleString('en-US')} rows/s at batch ${measured.best.batchSize}`);
  return { rep, model, threads: options.threads, results: measured.results, best: measured.best };
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted.length === 0 ? 0 : (sorted[sorted.length >> 1] as number);
}

/** Prediction rate while the generator floods the input: the median second, skipping the start-up. */
function probeRate(result: LoadResult): number {
  const producing = result.timeline.filter((p) => p.targetRate === 'max' && p.t > 2);
  return median(producing.map((p) => p.received));
}

function peakRss(result: LoadResult): number | null {
  return result.memory?.peakMiB ?? null;
}

/** Subject CPU per prediction from the end of the warmup to the end of the phases; null without readings. */
export function measuredCpu({ result, cpu }: MeasuredRun): number | null {
  const runMs = result.options.profile.phases.reduce((sum, p) => sum + p.durationMs, 0);
  const window = trialWindow(cpu, result.options.warmupMs, runMs);
  return window === null ? null : windowFigures(window, clockTicksPerSecond()).cpuUsPerEvent;
}

function cpuText(us: number | null): string {
  return us === null ? 'CPU not measured' : `${us.toFixed(1)} µs CPU/event`;
}

/** `drainRate`: the subject's steady drain rate in this repetition, when the drain ran (sustainable.ts firstGuess). */
export async function sustainStage(
  ctx: RunContext,
  options: BenchOptions,
  rep: number,
  subject: SubjectId,
  say: Say,
  drainRate: number | null = null,
): Promise<SustainRun> {
  const title = SUBJECTS[subject].title;
  say(`${title}: probe, as fast as the generator can for ${options.probeMs / 1000} s`);
  const { result: probe } = await measuredRun(ctx, {
    subject,
    profile: { phases: [{ rate: 'max', durationMs: options.probeMs }] },
    warmupMs: 0,
    drainTimeoutMs: 2_000,
  });
  const probed = probeRate(probe);
  const guess = firstGuess(probed, drainRate);
  say(`  probe: ${probed.toLocaleString('en-US')} predictions/s${guess > probed ? `; starting from the drain's ${guess.toLocaleString('en-US')}/s` : ''}`);
  const trials: TrialRecord[] = [];
  const search = await searchSustainable(Math.max(guess, 100), DEFAULT_PLAN, async (rate) => {
    say(`${title}: ${rate.toLocaleString('en-US')}/s for ${options.trialMs / 1000} s`);
    const run = await measuredRun(ctx, {
      subject,
      profile: { phases: [{ rate, durationMs: options.trialMs }] },
      warmupMs: options.warmupMs,
      drainTimeoutMs: 15_000,
    });
    const { result } = run;
    const verdict = judgeTrial(result, rate);
    const cpuUsPerEvent = measuredCpu(run);
    trials.push({
      rate,
      sustained: verdict.sustained,
      reasons: verdict.reasons,
      throughput: Math.round(result.throughput),
      p99Ms: result.latency.p99,
      peakOutstanding: result.lag.peakOutstanding,
      peakRssMiB: peakRss(result),
      cpuUsPerEvent,
    });
    say(
      `  ${verdict.sustained ? 'sustained' : `not sustained: ${verdict.reasons.join('; ')}`}; p99 ${result.latency.p99.toFixed(1)} ms; ${cpuText(cpuUsPerEvent)}`,
    );
    return verdict;
  });
  const best = trials.find((t) => t.sustained && t.rate === search.rate);
  const cpuUsPerEvent = best?.cpuUsPerEvent ?? null;
  say(`${title}: highest sustainable rate ${search.rate.toLocaleString('en-US')}/s, ${cpuText(cpuUsPerEvent)}`);
  return { rep, subject, guess, rate: search.rate, cpuUsPerEvent, trials };
}

export async function fixedStage(
  ctx: RunContext,
  options: BenchOptions,
  rep: number,
  rate: number,
  say: Say,
): Promise<{ record: FixedRun; result: LoadResult }> {
  say(`${SUBJECTS[W1_DEFAULT].title} at ${rate.toLocaleString('en-US')}/s for ${options.trialMs / 1000} s`);
  const run = await measuredRun(ctx, {
    subject: W1_DEFAULT,
    profile: { phases: [{ rate, durationMs: options.trialMs }] },
    warmupMs: options.warmupMs,
    drainTimeoutMs: 30_000,
  });
  const { result } = run;
  const verdict = judgeTrial(result, rate);
  const l = result.latency;
  const cpuUsPerEvent = measuredCpu(run);
  say(
    `  p50 ${l.p50.toFixed(1)} ms, p99 ${l.p99.toFixed(1)} ms, p99.9 ${l.p999.toFixed(1)} ms, max ${l.max.toFixed(1)} ms; missing ${result.missing}, duplicates ${result.duplicates}; ${cpuText(cpuUsPerEvent)}`,
  );
  const record: FixedRun = {
    rep,
    rate,
    sustained: verdict.sustained,
    throughput: Math.round(result.throughput),
    latency: l,
    missing: result.missing,
    duplicates: result.duplicates,
    peakRssMiB: peakRss(result),
    cpuUsPerEvent,
  };
  return { record, result };
}

/** Seconds after `fromS` until outstanding fell to `threshold` or below; null if it never did. */
export function recoverySeconds(result: LoadResult, fromS: number, threshold: number): number | null {
  const point = result.timeline.find((p) => p.t > fromS && p.outstanding <= threshold);
  return point === undefined ? null : point.t - fromS;
}

/** RSS at the last sample minus RSS at the first sample after `fromS`; null without samples. */
export function settledGrowth(result: LoadResult, fromS: number): number | null {
  const samples = result.timeline.filter((p) => p.t > fromS && p.rssMiB !== undefined).map((p) => p.rssMiB as number);
  const first = samples[0];
  const last = samples[samples.length - 1];
  return first === undefined || last === undefined ? null : last - first;
}

export async function burstStage(
  ctx: RunContext,
  options: BenchOptions,
  rep: number,
  chart: string,
  say: Say,
): Promise<{ record: BurstRun; result: LoadResult }> {
  const base = options.burstBaseRate;
  const phaseMs = options.burstPhaseMs;
  say(
    `burst: ${SUBJECTS[W1_DEFAULT].title} at ${base.toLocaleString('en-US')}/s, ${(base * 10).toLocaleString('en-US')}/s, ${base.toLocaleString('en-US')}/s, ${phaseMs / 1000} s each`,
  );
  const run = await measuredRun(ctx, {
    subject: W1_DEFAULT,
    profile: {
      phases: [
        { rate: base, durationMs: phaseMs },
        { rate: base * 10, durationMs: phaseMs },
        { rate: base, durationMs: phaseMs },
      ],
    },
    warmupMs: options.warmupMs,
    drainTimeoutMs: 120_000,
  });
  const { result } = run;
  // Recovered: lag back to what steady load leaves (half a second of it, at least 1,000 events).
  const recovered = recoverySeconds(result, (2 * phaseMs) / 1000, Math.max(1_000, base / 2));
  const record: BurstRun = {
    rep,
    baseRate: base,
    peakRate: base * 10,
    peakOutstanding: result.lag.peakOutstanding,
    recoverMs: recovered === null ? null : recovered * 1000,
    rss: result.memory ? { startMiB: result.memory.startMiB, peakMiB: result.memory.peakMiB, endMiB: result.memory.endMiB } : null,
    settledGrowthMiB: settledGrowth(result, (2 * phaseMs) / 1000),
    p99ByPhaseMs: result.phases.map((p) => p.latency.p99),
    missing: result.missing,
    duplicates: result.duplicates,
    cpuUsPerEvent: measuredCpu(run),
    chart,
  };
  say(
    `  peak lag ${record.peakOutstanding.toLocaleString('en-US')} events, recovered ${recovered === null ? 'never' : `${recovered} s`} after the burst, RSS ${record.rss ? `${record.rss.startMiB.toFixed(0)} → peak ${record.rss.peakMiB.toFixed(0)} → ${record.rss.endMiB.toFixed(0)} MiB` : 'not sampled'}`,
  );
  return { record, result };
}
