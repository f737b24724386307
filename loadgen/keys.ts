/**
 * Which account each event belongs to (the Kafka key, so the partition). Uniform spreads load evenly; Zipf
 * concentrates it on a few hot accounts, as real payment traffic does, which loads some partitions far
 * more than others and shows whether per-partition backpressure copes.
 */

import { UsageError } from './profile.ts';
import type { Random } from './random.ts';
import type { KeyDistribution } from './types.ts';

export type KeyPicker = (random: Random) => number;

export const UNIFORM_KEYS: KeyDistribution = { kind: 'uniform' };
const DEFAULT_ZIPF_EXPONENT = 1;

/**
 * A function returning an account index in [0, accounts). Zipf ranks follow the index: account 0 is the
 * most frequent, with weight 1 / (rank + 1)^s. Uniform draws exactly as `random.int(accounts)` does, one
 * draw per call, so seeds keep giving the events they gave before key distributions existed.
 */
export function createKeyPicker(dist: KeyDistribution, accounts: number): KeyPicker {
  if (!Number.isInteger(accounts) || accounts < 1) throw new RangeError(`accounts must be an integer >= 1, got ${accounts}`);
  if (dist.kind === 'uniform') return (random) => random.int(accounts);
  if (!(dist.exponent > 0) || !Number.isFinite(dist.exponent)) {
    throw new RangeError(`zipf exponent must be a finite number > 0, got ${dist.exponent}`);
  }
  return zipfPicker(dist.exponent, accounts);
}

/** Inverse CDF over a precomputed cumulative table: O(accounts) once, then O(log accounts) a draw. */
function zipfPicker(exponent: number, accounts: number): KeyPicker {
  const cumulative = new Float64Array(accounts);
  let total = 0;
  for (let rank = 0; rank < accounts; rank++) cumulative[rank] = total += (rank + 1) ** -exponent;
  for (let rank = 0; rank < accounts; rank++) cumulative[rank] = (cumulative[rank] ?? 0) / total;
  // Rounding can leave the last entry a hair under 1; a draw above it must still land in range.
  cumulative[accounts - 1] = 1;
  return (random) => {
    const u = random.uniform();
    // The first rank whose cumulative share exceeds u.
    let lo = 0;
    let hi = accounts - 1;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((cumulative[mid] ?? 1) > u) hi = mid;
      else lo = mid + 1;
    }
    return lo;
  };
}

/** Parses `uniform`, `zipf` (exponent 1) or `zipf:<exponent>` such as `zipf:1.2`. */
export function parseKeys(spec: string, flag = '--keys'): KeyDistribution {
  const text = spec.trim();
  if (text === 'uniform') return UNIFORM_KEYS;
  if (text === 'zipf') return { kind: 'zipf', exponent: DEFAULT_ZIPF_EXPONENT };
  if (text.startsWith('zipf:')) {
    const exponentText = text.slice('zipf:'.length);
    const exponent = /^\d*\.?\d+$/.test(exponentText) ? Number(exponentText) : NaN;
    if (!(exponent > 0)) throw new UsageError(flag, `"${spec}": the zipf exponent must be a number > 0, e.g. zipf:1.2`);
    return { kind: 'zipf', exponent };
  }
  throw new UsageError(flag, `"${spec}": expected uniform, zipf or zipf:<exponent> (e.g. zipf:1.2)`);
}

/** "uniform" or "zipf s=1.2", for summaries and chart subtitles. */
export function describeKeys(dist: KeyDistribution): string {
  return dist.kind === 'uniform' ? 'uniform' : `zipf s=${dist.exponent}`;
}
