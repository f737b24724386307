/** What delivery carries: one finished record, a prediction or a dead letter, bound to its input offset. */
import type { Traced } from '../core/trace.ts';
import type { Assignment, OutgoingRecord } from '../kafka/client.ts';
import { recordBytes } from './send-size.ts';

/**
 * One partition's results as delivery sees them: completed in any order, released in offset order,
 * acknowledged in the order released. Intake's partition ledger implements it; delivery never needs
 * more of intake than this. The ownership it belongs to (topic, partition, epoch) is what an
 * exactly-once transaction commits offsets under.
 */
export interface Sequenced<T> extends Assignment {
  /** The partition was revoked or lost: its results are no longer sent. */
  readonly revoked: boolean;
  complete(offset: number, value: T): void;
  /** A result that will never exist: the offset was admitted under a ledger since revoked. */
  abandon(offset: number): void;
  /** Appends the completed run that follows what was released before, in offset order; returns the count. */
  release(out: T[]): number;
  /** The oldest released, unacknowledged value was acknowledged by the brokers. */
  acknowledge(offset: number): void;
}

/** The input record an outcome answers; `trace` with tracing on (core/trace.ts). */
export interface OutcomeSource extends Traced {
  readonly ledger: Sequenced<Outgoing>;
  /** The partition's key (partitionKey): the batcher's lane. */
  readonly key: string;
  readonly offset: number;
  /** The input record's timestamp (ms): lineage, and where end-to-end latency starts. */
  readonly timestamp: number;
}

export type OutcomeKind = 'prediction' | 'dead-letter';

export interface Outgoing {
  readonly source: OutcomeSource;
  readonly kind: OutcomeKind;
  readonly record: OutgoingRecord;
  /** The model id ("name:version") of a prediction, or the reason code of a dead letter: metric labels. */
  readonly tag: string;
  /**
   * A flow's fan-out: the same input's further predictions, one per further model, sent right after
   * `record` and acknowledged with it. Absent on the plain path, which allocates nothing for it.
   */
  readonly fanOut?: readonly { readonly record: OutgoingRecord; readonly tag: string }[];
}

/** Every record of `items`, in order, fan-out included. */
export function recordsOf(items: readonly Outgoing[]): OutgoingRecord[] {
  const records: OutgoingRecord[] = [];
  for (const item of items) {
    records.push(item.record);
    if (item.fanOut !== undefined) for (const more of item.fanOut) records.push(more.record);
  }
  return records;
}

/** The bytes an item's records take in a send, fan-out included (send-size.ts). */
export function outgoingBytes(item: Outgoing): number {
  let bytes = recordBytes(item.record);
  if (item.fanOut !== undefined) for (const more of item.fanOut) bytes += recordBytes(more.record);
  return bytes;
}
