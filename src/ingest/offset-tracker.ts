/**
 * Commit watermarks with out-of-order completion. Work finishes in any order (several batches in flight,
 * DLQ records acked early), but Kafka keeps one committed offset per partition, so only the lowest
 * offset not yet acknowledged may be committed: everything below it is done (notes §6.4).
 * Pure: no Kafka client here, offsets in and plain values out.
 */
import { ScorerError } from '../errors.ts';
import { OffsetWindow } from '../pipeline/offset-window.ts';
import type { CommitOffset, TopicPartition } from './types.ts';

/** One partition's admitted offsets and the watermark they allow to commit. */
export class PartitionOffsets {
  readonly #window = new OffsetWindow<undefined>();
  #highestAcked = -1;

  /** Offsets must strictly increase; gaps are fine. Throws otherwise (a bug upstream). */
  admit(offset: number): void {
    this.#window.admit(offset);
  }

  /** Any order. Throws for an offset never admitted or already acked (a bug upstream). */
  ack(offset: number): void {
    this.#window.complete(offset, undefined);
    if (offset > this.#highestAcked) this.#highestAcked = offset;
    if (this.#window.headDone()) this.#window.release();
  }

  /** The offset to commit (next to read): lowest unacked, else last admitted + 1; undefined before any admit. */
  watermark(): number | undefined {
    const first = this.#window.first;
    if (first !== undefined) return first;
    const last = this.#window.last;
    return last === undefined ? undefined : last + 1;
  }

  /** Admitted and not acked. */
  get pending(): number {
    return this.#window.size - this.#window.done;
  }

  /** How far acknowledged work runs past the watermark, in offsets: (highest acked + 1) - watermark. */
  commitGap(): number {
    const watermark = this.watermark();
    if (watermark === undefined) return 0;
    return Math.max(0, this.#highestAcked + 1 - watermark);
  }
}

interface Entry extends TopicPartition {
  readonly offsets: PartitionOffsets;
  readonly epoch: number;
  committed: number | undefined;
}

/** A revoked partition: acks for it are stale, not bugs. */
const DROPPED = 'dropped';
type Slot = Entry | typeof DROPPED | undefined;

/**
 * All partitions of this consumer. Lookups go topic → array indexed by partition, so the per-event
 * admit/ack path builds no key string.
 */
export class OffsetTracker {
  readonly #topics = new Map<string, Slot[]>();
  #totalPending = 0;
  #ignoredAcks = 0;
  #nextEpoch = 1;

  admit(topic: string, partition: number, offset: number): void {
    let entry = this.#slot(topic, partition);
    if (entry === undefined || entry === DROPPED) entry = this.#create(topic, partition);
    entry.offsets.admit(offset);
    this.#totalPending++;
  }

  /**
   * Any order. Acks for a dropped partition, or naming an epoch other than the partition's current one
   * (work admitted before a revoke and a reassignment), are ignored and counted in `ignoredAcks`.
   */
  ack(topic: string, partition: number, offset: number, epoch?: number): void {
    const entry = this.#slot(topic, partition);
    if (entry === DROPPED || (entry !== undefined && epoch !== undefined && epoch !== entry.epoch)) {
      this.#ignoredAcks++;
      return;
    }
    if (entry === undefined) {
      throw new ScorerError('SCORER_ERR_INVARIANT', `ack for ${topic}[${partition}], which was never admitted`, {
        details: { topic, partition, offset },
      });
    }
    entry.offsets.ack(offset);
    this.#totalPending--;
  }

  pending(topic: string, partition: number): number {
    return this.#live(topic, partition)?.offsets.pending ?? 0;
  }

  get totalPending(): number {
    return this.#totalPending;
  }

  /** Acks ignored because their partition was dropped or their epoch is stale. */
  get ignoredAcks(): number {
    return this.#ignoredAcks;
  }

  commitGap(topic: string, partition: number): number {
    return this.#live(topic, partition)?.offsets.commitGap() ?? 0;
  }

  watermark(topic: string, partition: number): number | undefined {
    return this.#live(topic, partition)?.offsets.watermark();
  }

  /** Identifies the partition's current assignment; changes when it is dropped and admitted again. */
  epoch(topic: string, partition: number): number | undefined {
    return this.#live(topic, partition)?.epoch;
  }

  /** Watermarks that moved since markCommitted; offsets as strings for kafkajs. */
  committable(): CommitOffset[] {
    const out: CommitOffset[] = [];
    for (const entry of this.#entries()) {
      const watermark = entry.offsets.watermark();
      if (watermark !== undefined && watermark !== entry.committed) {
        out.push({ topic: entry.topic, partition: entry.partition, offset: String(watermark) });
      }
    }
    return out;
  }

  /** Records a successful commit. Never moves backwards, so a late confirmation of an older list is harmless. */
  markCommitted(list: readonly CommitOffset[]): void {
    for (const { topic, partition, offset } of list) {
      const entry = this.#live(topic, partition);
      if (entry === undefined) continue;
      const committed = Number(offset);
      if (entry.committed === undefined || committed > entry.committed) entry.committed = committed;
    }
  }

  /** Forget a partition (revoked by a rebalance): later acks for it are ignored and counted, not thrown. */
  drop(topic: string, partition: number): void {
    const entry = this.#live(topic, partition);
    if (entry !== undefined) this.#totalPending -= entry.offsets.pending;
    this.#put(topic, partition, DROPPED);
  }

  partitions(): TopicPartition[] {
    const out: TopicPartition[] = [];
    for (const entry of this.#entries()) out.push({ topic: entry.topic, partition: entry.partition });
    return out;
  }

  #slot(topic: string, partition: number): Slot {
    return this.#topics.get(topic)?.[partition];
  }

  #live(topic: string, partition: number): Entry | undefined {
    const entry = this.#slot(topic, partition);
    return entry === DROPPED ? undefined : entry;
  }

  #create(topic: string, partition: number): Entry {
    const offsets = new PartitionOffsets();
    const entry: Entry = { topic, partition, offsets, epoch: this.#nextEpoch++, committed: undefined };
    this.#put(topic, partition, entry);
    return entry;
  }

  #put(topic: string, partition: number, slot: Slot): void {
    if (!Number.isInteger(partition) || partition < 0) {
      throw new ScorerError('SCORER_ERR_INVARIANT', `invalid partition ${partition} for ${topic}`);
    }
    let slots = this.#topics.get(topic);
    if (slots === undefined) {
      slots = [];
      this.#topics.set(topic, slots);
    }
    slots[partition] = slot;
  }

  *#entries(): Generator<Entry> {
    for (const slots of this.#topics.values()) {
      for (const entry of slots) if (entry !== undefined && entry !== DROPPED) yield entry;
    }
  }
}
