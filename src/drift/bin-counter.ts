/**
 * Counts a batch's feature values into its model's training bins, in the inference worker that holds
 * the feature columns: the main thread gets one small Int32Array per batch, never the values. The
 * values counted are the ones the tensor held (defaults included, as training saw them filled); the
 * defaults taken are counted apart, as missing.
 */
import type { FeatureColumns } from '../codecs/feature-columns.ts';
import type { CompiledField } from '../codecs/feature-fields.ts';
import type { FeatureStats } from './feature-stats.ts';

/** One batch's counts for one model, laid out as its FeatureStats: feature f's bins from binStart(f). */
export interface DriftCounts {
  readonly rows: number;
  readonly bins: Int32Array<ArrayBuffer>;
  /** missing[f]: rows whose feature f was missing and took its default. */
  readonly missing: Int32Array<ArrayBuffer>;
}

/** Where each feature's bins start in DriftCounts.bins, and the total (the last entry). */
export function binStarts(stats: FeatureStats): Int32Array {
  const starts = new Int32Array(stats.features.length + 1);
  stats.features.forEach((f, i) => {
    starts[i + 1] = (starts[i] as number) + f.edges.length + 1;
  });
  return starts;
}

/** The bin of `value`: how many edges are at or below it. */
export function binOf(edges: readonly number[], value: number): number {
  let lo = 0;
  let hi = edges.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((edges[mid] as number) <= value) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

export interface BinCounter {
  /** Counts column rows [0, columns.rows). */
  count(columns: FeatureColumns): DriftCounts;
}

/** `fields`: the model's compiled fields; every stats feature names one (feature-stats.ts checked it). */
export function compileBinCounter(stats: FeatureStats, fields: readonly CompiledField[]): BinCounter {
  const starts = binStarts(stats);
  const fieldOf = stats.features.map((f) => fields.findIndex((c) => c.field === f.name));
  return {
    count(columns) {
      const bins = new Int32Array(starts[stats.features.length] as number);
      const missing = new Int32Array(stats.features.length);
      stats.features.forEach((feature, f) => {
        const field = fieldOf[f] as number;
        if (field < 0) return;
        const start = starts[f] as number;
        for (let row = 0; row < columns.rows; row++) {
          const b = start + binOf(feature.edges, Number(columns.valueAt(row, field)));
          bins[b] = (bins[b] as number) + 1;
        }
        missing[f] = columns.defaulted[field] as number;
      });
      return { rows: columns.rows, bins, missing };
    },
  };
}
