/**
 * Load profiles: parsing `--profile 1000@60s,10000@60s,1000@60s`, the open-loop schedule arithmetic the
 * producer follows, and the text forms of rates and durations the run's outputs share. Pure.
 */

import type { LoadProfile, Phase, Rate } from './types.ts';

/**
 * A bad command-line value. src/errors.ts has no usage code (its codes are the service's), so the load
 * generator's CLI tells these apart from runtime failures by class: exit code 2 and no stack trace.
 */
export class UsageError extends Error {
  readonly flag: string;
  constructor(flag: string, message: string) {
    super(`${flag}: ${message}`);
    this.name = 'UsageError';
    this.flag = flag;
  }
}

const UNIT_MS = { h: 3_600_000, m: 60_000, s: 1000, ms: 1 } as const;
type Unit = keyof typeof UNIT_MS;
const UNIT_ORDER: readonly Unit[] = ['h', 'm', 's', 'ms'];
const DURATION_HINT = 'expected a duration such as 60s, 500ms, 2m or 1m30s';

/** Milliseconds, or undefined when `text` is not `<number><unit>` segments with units in falling order. */
function durationOrUndefined(text: string): number | undefined {
  if (text === '0') return 0;
  const segment = /(\d+(?:\.\d+)?)(ms|h|m|s)/y;
  let total = 0;
  let lastUnit = -1;
  while (segment.lastIndex < text.length) {
    const at = segment.lastIndex;
    const match = segment.exec(text);
    if (match === null || match.index !== at) return undefined;
    const unit = UNIT_ORDER.indexOf(match[2] as Unit);
    // "30s1m" or "1m1m" are more likely typos than intent.
    if (unit <= lastUnit) return undefined;
    lastUnit = unit;
    total += Number(match[1]) * UNIT_MS[match[2] as Unit];
  }
  return lastUnit < 0 ? undefined : Math.round(total);
}

/** Parses `60s`, `500ms`, `2m`, `1m30s`, `1.5s`, `1h` (or a bare `0`) into milliseconds, for --duration and the like. */
export function parseDuration(text: string, flag: string): number {
  const ms = durationOrUndefined(text.trim());
  if (ms === undefined) throw new UsageError(flag, `"${text}": ${DURATION_HINT}`);
  return ms;
}

/** Events per second: `5000`, `1.5k`, `20k`, or `max`. */
function rateOrUndefined(text: string): Rate | undefined {
  if (text === 'max') return 'max';
  const match = /^(\d+(?:\.\d+)?|\.\d+)(k?)$/.exec(text);
  if (match === null) return undefined;
  const rate = Number(match[1]) * (match[2] === 'k' ? 1000 : 1);
  return rate > 0 && Number.isFinite(rate) ? rate : undefined;
}

/**
 * Parses comma-separated phases `RATE@DURATION`, run back to back. A single phase may leave out its
 * duration (`5000`, `max`): it then runs until stopped (durationMs Infinity), or until --count.
 */
export function parseProfile(spec: string, flag = '--profile'): LoadProfile {
  const parts = spec.split(',').map((part) => part.trim());
  if (parts.every((part) => part === '')) {
    throw new UsageError(flag, 'empty; expected phases such as 1000@60s,10000@60s,1000@60s');
  }
  const phases = parts.map((part): Phase => {
    if (part === '') throw new UsageError(flag, `"${spec}": empty phase between commas`);
    const [rateText = '', durationText, extra] = part.split('@').map((s) => s.trim());
    if (extra !== undefined) throw new UsageError(flag, `"${part}": expected RATE@DURATION, e.g. 1000@60s`);
    const rate = rateOrUndefined(rateText);
    if (rate === undefined) throw new UsageError(flag, `"${part}": rate must be a positive number or "max"`);
    if (durationText === undefined) {
      if (parts.length > 1) {
        throw new UsageError(flag, `"${part}": only a profile of one phase may leave out the duration`);
      }
      return { rate, durationMs: Infinity };
    }
    const durationMs = durationOrUndefined(durationText);
    if (durationMs === undefined) throw new UsageError(flag, `"${part}": ${DURATION_HINT}`);
    if (durationMs <= 0) throw new UsageError(flag, `"${part}": duration must be more than 0`);
    return { rate, durationMs };
  });
  return { phases };
}

/** The whole schedule's length; Infinity when it runs until stopped. */
export function profileDurationMs(profile: LoadProfile): number {
  return profile.phases.reduce((sum, phase) => sum + phase.durationMs, 0);
}

export interface PhaseWindow {
  readonly index: number;
  /** Since the start of the run. */
  readonly startMs: number;
  readonly endMs: number;
  readonly rate: Rate;
}

/** Every phase with its place in the run. */
export function phaseWindows(profile: LoadProfile): PhaseWindow[] {
  let startMs = 0;
  return profile.phases.map((phase, index) => {
    const window = { index, startMs, endMs: startMs + phase.durationMs, rate: phase.rate };
    startMs = window.endMs;
    return window;
  });
}

/** The phase running `elapsedMs` into the run (a negative time counts as the start); undefined once past the end. */
export function phaseAt(profile: LoadProfile, elapsedMs: number): PhaseWindow | undefined {
  const at = Math.max(0, elapsedMs);
  return phaseWindows(profile).find((window) => at >= window.startMs && at < window.endMs);
}

/**
 * When the index-th event of a rate phase is meant to be sent, in ms after the phase starts: events are
 * evenly spaced, the first at the phase start.
 *
 * The schedule is open-loop: the producer sends on this timetable whatever the scorer does, and stamps
 * each event with its intended time (phase start + this offset), not the moment it actually went out. An
 * event sent late because the producer or the broker fell behind then shows the delay as latency instead of
 * hiding it (no coordinated omission).
 */
export function intendedOffsetMs(rate: number, indexInPhase: number): number {
  return (indexInPhase * 1000) / rate;
}

/** How many events a rate phase of `durationMs` calls for: those whose intended offset falls before its end. */
export function eventsInPhase(rate: number, durationMs: number): number {
  if (durationMs === Infinity) return Infinity;
  if (!(durationMs > 0)) return 0;
  let count = Math.ceil((rate * durationMs) / 1000);
  // As in dueInPhase: let the offsets decide at a boundary, not the other rounding.
  while (count > 0 && intendedOffsetMs(rate, count - 1) >= durationMs) count--;
  while (intendedOffsetMs(rate, count) < durationMs) count++;
  return count;
}

/**
 * How many events a rate phase has called for `elapsedInPhaseMs` after it began: every index whose
 * intended offset is at or before that time, so floor(rate × ms / 1000) + 1 (one event is due the moment
 * the phase starts), 0 before it starts. Given the phase's duration, the count stops at eventsInPhase.
 * Agrees exactly with intendedOffsetMs: event i is due iff intendedOffsetMs(rate, i) <= elapsedInPhaseMs.
 */
export function dueInPhase(rate: number, elapsedInPhaseMs: number, phaseDurationMs = Infinity): number {
  const cap = phaseDurationMs === Infinity ? Infinity : eventsInPhase(rate, phaseDurationMs);
  if (!(elapsedInPhaseMs >= 0)) return 0;
  if (elapsedInPhaseMs === Infinity) return cap;
  let due = Math.floor((rate * elapsedInPhaseMs) / 1000) + 1;
  // rate × ms / 1000 and i × 1000 / rate can round differently at a boundary: settle on the offsets.
  while (due > 0 && intendedOffsetMs(rate, due - 1) > elapsedInPhaseMs) due--;
  while (intendedOffsetMs(rate, due) <= elapsedInPhaseMs) due++;
  return Math.min(due, cap);
}

/** 1234567 → "1,234,567" (rounded to an integer). */
export function formatCount(value: number): string {
  return Math.round(value).toLocaleString('en-US');
}

/** Milliseconds with one decimal: 18.43 → "18.4 ms", 1234.5 → "1,234.5 ms". */
export function formatMs(ms: number): string {
  return `${ms.toLocaleString('en-US', { minimumFractionDigits: 1, maximumFractionDigits: 1 })} ms`;
}

/** 10000 → "10,000/s"; fractional rates below 10 keep a decimal ("0.5/s"). */
export function formatRate(rate: Rate): string {
  if (rate === 'max') return 'max rate';
  const text = rate < 10 && !Number.isInteger(rate) ? rate.toFixed(1) : formatCount(rate);
  return `${text}/s`;
}

/** 500 → "500 ms", 60000 → "60 s", 150000 → "2 min 30 s"; Infinity → "until stopped". */
export function formatDuration(ms: number): string {
  if (ms === Infinity) return 'until stopped';
  if (ms < 1000) return `${Math.round(ms)} ms`;
  const seconds = Math.round(ms / 100) / 10;
  if (seconds < 120) return `${seconds} s`;
  const minutes = Math.floor(seconds / 60);
  const rest = Math.round(seconds - minutes * 60);
  return rest === 0 ? `${minutes} min` : `${minutes} min ${rest} s`;
}

/** "1,000/s for 60 s, then 10,000/s for 60 s, then 1,000/s for 60 s". */
export function describeProfile(profile: LoadProfile): string {
  return profile.phases
    .map((phase) =>
      phase.durationMs === Infinity ? `${formatRate(phase.rate)} until stopped` : `${formatRate(phase.rate)} for ${formatDuration(phase.durationMs)}`,
    )
    .join(', then ');
}
