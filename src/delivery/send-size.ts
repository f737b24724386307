/**
 * How big a send may get. A broker refuses a record batch over its message.max.bytes (1 MiB by default)
 * with MESSAGE_TOO_LARGE, and retrying the same send cannot help: the sender would be stuck for good.
 * Counts alone do not bound the bytes once a prediction carries fan-out as large as a feature-log
 * record, and a topic with one partition takes a whole send in one batch. So sends (and each request of
 * a transaction) are cut by bytes too, well below that default.
 */
import type { OutgoingRecord } from '../kafka/client.ts';

/** A produce request's records, summed: under the broker's default message.max.bytes with room for framing. */
export const MAX_BYTES_PER_SEND = 768 * 1024;

/** A record's framing in a batch (lengths, offsets and timestamp deltas, attributes), generously. */
const RECORD_OVERHEAD_BYTES = 32;

/** Bytes a record takes in a produce request, near enough: key, value, headers and framing. */
export function recordBytes(record: OutgoingRecord): number {
  let bytes = RECORD_OVERHEAD_BYTES + (record.key?.length ?? 0) + (record.value?.length ?? 0);
  for (const [key, value] of record.headers) bytes += key.length + value.length + 8;
  return bytes;
}

/**
 * How many of `sizes(from), sizes(from + 1), ...` (at most `maxItems`, of `available`) fit in
 * `maxBytes`; always at least one, since an item larger than the budget can only go alone.
 */
export function itemsWithin(available: number, maxItems: number, maxBytes: number, sizeAt: (i: number) => number): number {
  const limit = Math.min(available, maxItems);
  let bytes = 0;
  for (let n = 0; n < limit; n++) {
    bytes += sizeAt(n);
    if (bytes > maxBytes && n > 0) return n;
  }
  return limit;
}
