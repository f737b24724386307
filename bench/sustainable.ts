/**
 * What "sustainable" means in this suite, and how the highest sustainable rate is searched for. Pure:
 * the suite passes in the trials, the tests pass in fakes.
 *
 * PROTOCOL.md: throughput is the highest offered rate at which lag stays bounded for the whole run. A
 * backlog drain measures a burst, not that, so a drain only gives the first guess; every reported rate
 * is an open-loop trial that passed the verdict below.
 */
import type { LoadResult, TimelinePoint } from '../loadgen/types.ts';

export interface SustainCriteria {
  /** The generator must have sent at least this share of the offered rate, or the trial measured the generator. */
  readonly minSendShare: number;
  /** At the end of the run, outstanding events may be at most this many seconds of offered load... */
  readonly maxEndLagSeconds: number;
  /** ...or this many events, whichever is larger (covers one fetch and batch in flight at low rates). */
  readonly minLagAllowance: number;
  /** Over the second half, outstanding may grow by at most this many seconds of offered load. */
  readonly maxGrowthSeconds: number;
}

export const DEFAULT_CRITERIA: SustainCriteria = {
  minSendShare: 0.97,
  maxEndLagSeconds: 0.5,
  minLagAllowance: 1000,
  maxGrowthSeconds: 0.25,
};

export interface Verdict {
  readonly sustained: boolean;
  /** Why not, in words for the report; empty when sustained. */
  readonly reasons: readonly string[];
}

function mean(values: readonly number[]): number {
  return values.length === 0 ? 0 : values.reduce((a, b) => a + b, 0) / values.length;
}

/** Least-squares slope of outstanding events per second over the points given. */
function slopePerSecond(points: readonly TimelinePoint[]): number {
  if (points.length < 2) return 0;
  const mt = mean(points.map((p) => p.t));
  const mo = mean(points.map((p) => p.outstanding));
  let num = 0;
  let den = 0;
  for (const p of points) {
    num += (p.t - mt) * (p.outstanding - mo);
    den += (p.t - mt) ** 2;
  }
  return den === 0 ? 0 : num / den;
}

/**
 * Judges one open-loop trial at `rate` events/s: the generator kept up, nothing went missing, and lag
 * stayed bounded (small at the end and not growing over the second half of the run).
 */
export function judgeTrial(result: LoadResult, rate: number, criteria: SustainCriteria = DEFAULT_CRITERIA): Verdict {
  const reasons: string[] = [];
  const runMs = result.options.profile.phases.reduce((sum, p) => sum + p.durationMs, 0);
  // What the broker acknowledged while the phases ran: events that went out late, after the schedule
  // ended, would otherwise hide a generator that fell behind.
  const sentInTime = result.phases.reduce((sum, p) => sum + (p.achievedSendRate * p.durationMs) / 1000, 0);
  const sendRate = sentInTime / Math.max(0.001, runMs / 1000);
  if (sendRate < criteria.minSendShare * rate) {
    reasons.push(`generator sent ${Math.round(sendRate)}/s of ${rate}/s offered`);
  }
  const during = result.timeline.filter((p) => p.t <= runMs / 1000);
  const allowance = Math.max(criteria.minLagAllowance, criteria.maxEndLagSeconds * rate);
  const tail = during.slice(Math.floor(during.length * 0.8));
  const endLag = mean(tail.map((p) => p.outstanding));
  if (endLag > allowance) reasons.push(`lag at the end ${Math.round(endLag)} events > ${Math.round(allowance)}`);
  const secondHalf = during.slice(Math.floor(during.length / 2));
  const growth = slopePerSecond(secondHalf) * secondHalf.length;
  const growthAllowance = Math.max(criteria.minLagAllowance, criteria.maxGrowthSeconds * rate);
  if (growth > growthAllowance) reasons.push(`lag grew by ${Math.round(growth)} events over the second half`);
  if (reasons.length === 0 && result.missing > 0) reasons.push(`${result.missing} predictions missing after the drain`);
  return { sustained: reasons.length === 0, reasons };
}

export interface Trial {
  readonly rate: number;
  readonly verdict: Verdict;
}

export interface SearchPlan {
  /** Shares of the first guess tried while trials pass, lowest first (1.0 comes first of all). */
  readonly up: readonly number[];
  /** Shares tried while trials fail, highest first. */
  readonly down: readonly number[];
  /** Rates are rounded down to a multiple of this, so reports read as round numbers. */
  readonly granularity: number;
}

export const DEFAULT_PLAN: SearchPlan = { up: [1.15, 1.3], down: [0.85, 0.7, 0.55, 0.4, 0.25], granularity: 100 };

export interface SearchResult {
  /** The highest rate that passed; 0 when none did. */
  readonly rate: number;
  readonly trials: readonly Trial[];
}

/**
 * The search's first guess: the prediction rate the probe saw while the generator flooded the input,
 * or the subject's steady drain rate in the same repetition when that is higher. On a busy machine the
 * flooding generator can starve the subject for most of a short probe (its first predictions came 7 s
 * into an 8 s probe in one quick run), and a guess of almost nothing would end the walk at one granule.
 */
export function firstGuess(probeRate: number, drainRate: number | null | undefined): number {
  return Math.max(probeRate, Math.round(drainRate ?? 0));
}

/** The rate to offer for a share of the guess, never below one granule. */
export function roundedRate(guess: number, share: number, granularity: number): number {
  return Math.max(granularity, Math.floor((guess * share) / granularity) * granularity);
}

/**
 * Tries the guess, then walks up while trials pass or down until one passes. A walk rather than a
 * bisection: the guess (a backlog drain) is usually within a step of the limit, and each trial is a
 * full-length run, so few, predictable trials beat a precise answer.
 */
export async function searchSustainable(guess: number, plan: SearchPlan, trial: (rate: number) => Promise<Verdict>): Promise<SearchResult> {
  const trials: Trial[] = [];
  const run = async (share: number): Promise<Trial | undefined> => {
    const rate = roundedRate(guess, share, plan.granularity);
    if (trials.some((t) => t.rate === rate)) return undefined;
    const done = { rate, verdict: await trial(rate) };
    trials.push(done);
    return done;
  };
  const first = await run(1);
  let best = first?.verdict.sustained ? first.rate : 0;
  for (const share of best > 0 ? plan.up : plan.down) {
    const t = await run(share);
    if (!t) continue;
    if (t.verdict.sustained) best = Math.max(best, t.rate);
    if (t.verdict.sustained !== (first?.verdict.sustained ?? false)) break;
  }
  return { rate: best, trials };
}
