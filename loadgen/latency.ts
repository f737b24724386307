/**
 * End-to-end latency histograms for a load run: HDR histograms (fixed relative error, constant memory,
 * no sampling) so a run of millions of predictions reports true tails, as bench/PROTOCOL.md asks.
 */

import type { Histogram } from 'hdr-histogram-js';
import { build } from 'hdr-histogram-js';
import { ScorerError } from '../src/errors.ts';
import type { LatencySummary, TimelinePoint } from './types.ts';

/** Values are kept in microseconds: sub-millisecond latencies still separate. */
const MICROS_PER_MS = 1000;
/** Anything slower is recorded as 1 hour: a run that lags that far has failed anyway. */
const HIGHEST_MS = 3_600_000;

export const EMPTY_SUMMARY: LatencySummary = { count: 0, mean: 0, p50: 0, p90: 0, p99: 0, p999: 0, max: 0 };

/** Milliseconds with microsecond resolution, for tidy JSON. */
const toMs = (micros: number): number => Math.round(micros) / MICROS_PER_MS;

/** Records latencies in ms, kept to 3 significant digits between 1 µs and 1 h (values outside are clamped). */
export class LatencyRecorder {
  private readonly histogram: Histogram;
  // Kept exactly beside the histogram: its max and mean are bucket-rounded.
  private maxMicros = 0;
  private sumMicros = 0;

  constructor() {
    // The plain JS histogram: the WebAssembly one needs an async init and gains little at these rates.
    this.histogram = build({
      lowestDiscernibleValue: 1,
      highestTrackableValue: HIGHEST_MS * MICROS_PER_MS,
      numberOfSignificantValueDigits: 3,
      autoResize: false,
      useWebAssembly: false,
    });
  }

  get count(): number {
    return this.histogram.totalCount;
  }

  /** Negative (clock skew between hosts) and NaN count as 0, above an hour as an hour. */
  record(ms: number): void {
    const clamped = ms > 0 ? Math.min(ms, HIGHEST_MS) : 0;
    const micros = Math.round(clamped * MICROS_PER_MS);
    this.histogram.recordValue(micros);
    this.sumMicros += micros;
    if (micros > this.maxMicros) this.maxMicros = micros;
  }

  /** The latency at `percentile` (0-100) in ms; 0 when empty. Never above the exact max. */
  percentile(percentile: number): number {
    if (this.count === 0) return 0;
    return toMs(Math.min(this.histogram.getValueAtPercentile(percentile), this.maxMicros));
  }

  /** The largest latency recorded, exact (to the µs); 0 when empty. */
  max(): number {
    return toMs(this.maxMicros);
  }

  summary(): LatencySummary {
    const count = this.count;
    if (count === 0) return EMPTY_SUMMARY;
    return {
      count,
      mean: toMs(this.sumMicros / count),
      p50: this.percentile(50),
      p90: this.percentile(90),
      p99: this.percentile(99),
      p999: this.percentile(99.9),
      max: this.max(),
    };
  }

  reset(): void {
    this.histogram.reset();
    this.maxMicros = 0;
    this.sumMicros = 0;
  }
}

/** A second's latency for the timeline and the progress line; nulls when no prediction arrived. */
export type WindowLatency = Pick<TimelinePoint, 'p50Ms' | 'p99Ms' | 'maxMs'>;

/**
 * The latency books of one run: the whole run and each phase count predictions after warmup only, by the
 * phase the event was scheduled in; the current second counts every prediction received in it, warmup
 * included, so the timeline shows the warmup too.
 */
export class RunLatency {
  private readonly whole = new LatencyRecorder();
  private readonly byPhase: LatencyRecorder[];
  private readonly second = new LatencyRecorder();

  constructor(phases: number) {
    this.byPhase = Array.from({ length: phases }, () => new LatencyRecorder());
  }

  /** `phase` is the index of the phase the event was scheduled in. */
  record(ms: number, phase: number, inWarmup: boolean): void {
    this.second.record(ms);
    if (inWarmup) return;
    const recorder = this.byPhase[phase];
    if (recorder === undefined) {
      throw new ScorerError('SCORER_ERR_INVARIANT', `latency recorded for phase ${phase} of ${this.byPhase.length}`);
    }
    recorder.record(ms);
    this.whole.record(ms);
  }

  /** The current second's p50/p99/max, then starts the next second. */
  takeSecond(): WindowLatency {
    const window: WindowLatency =
      this.second.count === 0
        ? { p50Ms: null, p99Ms: null, maxMs: null }
        : { p50Ms: this.second.percentile(50), p99Ms: this.second.percentile(99), maxMs: this.second.max() };
    this.second.reset();
    return window;
  }

  overall(): LatencySummary {
    return this.whole.summary();
  }

  phases(): LatencySummary[] {
    return this.byPhase.map((recorder) => recorder.summary());
  }
}
