/**
 * The population stability index of observed bin counts against expected shares:
 * PSI = sum over bins of (actual - expected) * ln(actual / expected), with both shares floored at
 * EPSILON so an empty bin counts as a large, finite shift instead of an infinite one. By the usual rule
 * of thumb, under 0.1 is stable, 0.1 to 0.25 a moderate shift, above 0.25 a large one.
 */

export const EPSILON = 1e-4;

/** counts[start .. start + expected.length) against `expected`; NaN when `total` is 0. */
export function psi(expected: readonly number[], counts: ArrayLike<number>, start: number, total: number): number {
  if (total <= 0) return Number.NaN;
  let sum = 0;
  for (let k = 0; k < expected.length; k++) {
    const e = Math.max(expected[k] as number, EPSILON);
    const a = Math.max((counts[start + k] as number) / total, EPSILON);
    sum += (a - e) * Math.log(a / e);
  }
  return sum;
}
