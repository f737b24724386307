/**
 * One model's drift over a sliding time window: the worker's per-batch bin counts (bin-counter.ts) summed
 * into `buckets` slices of windowMs / buckets each, the oldest slice dropped as the clock passes it, and
 * per feature the PSI of the window's counts against the training shares and the share of values that
 * were missing (defaulted). Pure: the clock is injected, nothing here exports a metric.
 */
import type { Clock } from '../core/clock.ts';
import { binStarts, type DriftCounts } from './bin-counter.ts';
import type { FeatureStats } from './feature-stats.ts';
import { psi } from './psi.ts';

export interface DriftWindowOptions {
  readonly windowMs: number;
  readonly buckets: number;
  /** Rows the window must hold before it reports: a handful of events says nothing about a distribution. */
  readonly minEvents: number;
}

export interface FeatureDrift {
  readonly feature: string;
  readonly psi: number;
  readonly missingRatio: number;
}

interface Slice {
  /** Which slice of time it holds: floor(now / sliceMs). */
  index: number;
  rows: number;
  readonly bins: Float64Array;
  readonly missing: Float64Array;
}

export class DriftWindow {
  readonly #stats: FeatureStats;
  readonly #o: DriftWindowOptions;
  readonly #clock: Clock;
  readonly #starts: Int32Array;
  readonly #sliceMs: number;
  readonly #slices: Slice[];

  constructor(stats: FeatureStats, options: DriftWindowOptions, clock: Clock) {
    this.#stats = stats;
    this.#o = options;
    this.#clock = clock;
    this.#starts = binStarts(stats);
    this.#sliceMs = options.windowMs / options.buckets;
    const width = this.#starts[stats.features.length] as number;
    this.#slices = Array.from({ length: options.buckets }, () => ({
      index: -1,
      rows: 0,
      bins: new Float64Array(width),
      missing: new Float64Array(stats.features.length),
    }));
  }

  /** Adds one batch's counts to the current slice. */
  add(counts: DriftCounts): void {
    const index = this.#now();
    const slice = this.#slices[index % this.#o.buckets] as Slice;
    if (slice.index !== index) this.#reset(slice, index);
    slice.rows += counts.rows;
    for (let b = 0; b < counts.bins.length; b++) slice.bins[b] = (slice.bins[b] as number) + (counts.bins[b] as number);
    for (let f = 0; f < counts.missing.length; f++) slice.missing[f] = (slice.missing[f] as number) + (counts.missing[f] as number);
  }

  /** Every feature's drift over the window; empty while it holds fewer than minEvents rows. */
  read(): FeatureDrift[] {
    const oldest = this.#now() - this.#o.buckets + 1;
    const live = this.#slices.filter((s) => s.index >= oldest);
    const rows = live.reduce((n, s) => n + s.rows, 0);
    if (rows < this.#o.minEvents || rows === 0) return [];
    const bins = new Float64Array(this.#starts[this.#stats.features.length] as number);
    const missing = new Float64Array(this.#stats.features.length);
    for (const slice of live) {
      for (let b = 0; b < bins.length; b++) bins[b] = (bins[b] as number) + (slice.bins[b] as number);
      for (let f = 0; f < missing.length; f++) missing[f] = (missing[f] as number) + (slice.missing[f] as number);
    }
    return this.#stats.features.map((feature, f) => ({
      feature: feature.name,
      psi: psi(feature.expected, bins, this.#starts[f] as number, rows),
      missingRatio: (missing[f] as number) / rows,
    }));
  }

  #now(): number {
    return Math.floor(this.#clock.now() / this.#sliceMs);
  }

  #reset(slice: Slice, index: number): void {
    slice.index = index;
    slice.rows = 0;
    slice.bins.fill(0);
    slice.missing.fill(0);
  }
}
