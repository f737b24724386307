/**
 * A/B allocation: a record's variant is a pure function of (experiment id, allocation key), so a user
 * stays in one variant across restarts, replicas and rebalances with no lookup (issue 10, part 6).
 *
 * The hash is MurmurHash3 x86 32-bit (seed 0) over the UTF-8 bytes of `experimentId + "\u0000" + key`:
 * fixed by its specification, so any process (or another language's mmh3) puts a key in the same
 * variant; its finaliser mixes every input bit into the high bits, which pick the variant, so keys that
 * differ only in their last character ("user-1", "user-2") still spread evenly. The NUL keeps
 * ("ab", "c") and ("a", "bc") apart. Separate experiments hash the same key independently.
 *
 * A record with no allocation key (the key field absent and no record key) is allocated by the empty
 * string: every keyless record of an experiment lands in the same variant, which skews the split by the
 * share of keyless traffic but scores it; dead-lettering it instead would turn a missing key into an
 * outage for those records. The caller picks the key (routing.ts); this file only sees a string.
 */
import type { ExperimentPlan, ExperimentVariant } from './plan.ts';

const encoder = new TextEncoder();
/** Reused across calls: allocation runs per record, and keys are short. */
let scratch = new Uint8Array(256);

function utf8(text: string): number {
  // encodeInto writes at most 3 bytes per UTF-16 unit.
  if (text.length * 3 > scratch.length) scratch = new Uint8Array(text.length * 3);
  return encoder.encodeInto(text, scratch).written;
}

const C1 = 0xcc9e2d51;
const C2 = 0x1b873593;

function mixBlock(h: number, block: number): number {
  let k = Math.imul(block, C1);
  k = (k << 15) | (k >>> 17);
  k = Math.imul(k, C2);
  const x = h ^ k;
  return (Math.imul((x << 13) | (x >>> 19), 5) + 0xe6546b64) | 0;
}

/** MurmurHash3 x86 32-bit of `text`'s UTF-8 bytes, as an unsigned integer. */
export function murmur3(text: string, seed = 0): number {
  const length = utf8(text);
  const bytes = scratch;
  let h = seed | 0;
  const whole = length & ~3;
  for (let i = 0; i < whole; i += 4) {
    h = mixBlock(h, bytes[i]! | (bytes[i + 1]! << 8) | (bytes[i + 2]! << 16) | (bytes[i + 3]! << 24));
  }
  const tail = length & 3;
  if (tail > 0) {
    let k = bytes[whole]!;
    if (tail > 1) k |= bytes[whole + 1]! << 8;
    if (tail > 2) k |= bytes[whole + 2]! << 16;
    k = Math.imul(k, C1);
    k = (k << 15) | (k >>> 17);
    h ^= Math.imul(k, C2);
  }
  h ^= length;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** Where `key` falls in experiment `experimentId`, in [0, 1). */
export function allocationPoint(experimentId: string, key: string): number {
  return murmur3(`${experimentId}\u0000${key}`) / 0x1_0000_0000;
}

export interface Allocator {
  readonly experiment: ExperimentPlan;
  /** The variant of allocation key `key` (null: no key, allocated as the empty string). */
  variantOf(key: string | null): ExperimentVariant;
}

/** Throws when the experiment has no variants or a weight that is not a positive finite number. */
export function compileAllocator(experiment: ExperimentPlan): Allocator {
  const { id, variants } = experiment;
  if (variants.length === 0) throw new Error(`experiment ${id} has no variants`);
  for (const v of variants) {
    if (!(Number.isFinite(v.weight) && v.weight > 0)) throw new Error(`experiment ${id}, variant ${v.name}: weight must be > 0, got ${v.weight}`);
  }
  const total = variants.reduce((sum, v) => sum + v.weight, 0);
  // bounds[i]: where variant i's share of [0, 1) ends; the last is 1 whatever the rounding.
  const bounds: number[] = [];
  let running = 0;
  for (const v of variants) {
    running += v.weight;
    bounds.push(running / total);
  }
  bounds[bounds.length - 1] = 1;
  const last = variants[variants.length - 1]!;
  return {
    experiment,
    variantOf(key) {
      const point = allocationPoint(id, key ?? '');
      for (let i = 0; i < bounds.length; i++) if (point < bounds[i]!) return variants[i]!;
      return last;
    },
  };
}
