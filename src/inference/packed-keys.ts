/** Reading the record keys a request carries back to back (PackedKeys), without a copy. */
import type { PackedKeys } from './protocol.ts';

/** Row `row`'s key bytes, a view of the request's buffer, or null for a record without a key. */
export function keyBytesOf(keys: PackedKeys, row: number): Uint8Array | null {
  if (keys.keyPresent[row] !== 1) return null;
  const start = row === 0 ? 0 : (keys.keyEnds[row - 1] as number);
  return keys.keyBytes.subarray(start, keys.keyEnds[row] as number);
}
