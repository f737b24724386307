/**
 * Statistics over repetitions, as PROTOCOL.md wants them: the median with min and max, and ratios taken
 * side by side within each repetition (the median of those, never a ratio of medians, which would
 * compare runs made far apart on a machine whose neighbours come and go). Pure.
 */

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

/** The finite numbers among `values`: what was measured. */
export function defined(values: readonly (number | null | undefined)[]): number[] {
  return values.filter((v): v is number => typeof v === 'number' && Number.isFinite(v));
}

/** For each repetition in `reps`, a / b where both were measured and b > 0: ratios never mix repetitions. */
export function ratiosWithin(reps: readonly number[], a: (rep: number) => number | null | undefined, b: (rep: number) => number | null | undefined): number[] {
  const out: number[] = [];
  for (const rep of reps) {
    const x = a(rep);
    const y = b(rep);
    if (typeof x === 'number' && typeof y === 'number' && Number.isFinite(x) && Number.isFinite(y) && y > 0) out.push(x / y);
  }
  return out;
}

/** 1..n, the repetitions of a run of `n`. */
export function repetitions(n: number): number[] {
  return Array.from({ length: n }, (_, i) => i + 1);
}

function formatNumber(value: number, unit: string): string {
  if (unit === '×') return value.toFixed(2);
  if (unit === 'ms' || unit === 'µs/event') return value < 100 ? value.toFixed(1) : Math.round(value).toLocaleString('en-US');
  return Math.round(value).toLocaleString('en-US');
}

/** "median unit (min–max)", or the median alone for one run; "not measured" for none. */
export function formatSpread(value: Spread | null, unit: string): string {
  if (value === null) return 'not measured';
  const median = formatNumber(value.median, unit);
  const suffix = unit === '×' ? '×' : ` ${unit}`;
  if (value.n === 1 || value.min === value.max) return `${median}${suffix}`;
  return `${median}${suffix} (${formatNumber(value.min, unit)}–${formatNumber(value.max, unit)})`;
}
