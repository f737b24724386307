/**
 * Where each ownership starts fetching: the group's committed offset (OffsetFetch), else the earliest or
 * latest offset per kafka.consumer.fromBeginning (ListOffsets, which answers the last stable offset for
 * "latest" under read_committed, like the Java client). The same reset serves OFFSET_OUT_OF_RANGE, as
 * Java's auto.offset.reset does: the committed offset is not consulted again then.
 *
 * The committed offset is read with require_stable, as the Java client does under read_committed: a
 * transaction carrying offsets for the partition (exactly-once: the previous owner's last one, or one a
 * crashed replica left open) is completed first, so the new owner never starts from an offset that
 * transaction is about to replace and scores its records a second time.
 *
 * A partition has no position while this runs, so no loop fetches it; a failed lookup is retried with
 * backoff for as long as the ownership lasts. Results for an ownership that ended meanwhile are dropped.
 */
import { type Consumer, ListOffsetTimestamps } from '@platformatic/kafka';
import { GroupCoordinator } from './coordinator.ts';
import type { OwnedPartition, Ownership } from './ownership.ts';
import { backoffMs, sleep } from './signal.ts';
import { stableCommittedOffsets } from './stable-offsets.ts';

export interface PositionsContext {
  readonly consumer: Consumer;
  readonly ownership: Ownership;
  readonly fromBeginning: boolean;
  readonly signal: AbortSignal;
  /** The partitions got positions: wake the fetch loops. */
  located(partitions: readonly OwnedPartition[]): void;
  failed(error: unknown, action: string): void;
}

function byTopic(partitions: readonly OwnedPartition[]): Map<string, number[]> {
  const topics = new Map<string, number[]>();
  for (const { topic, partition } of partitions) {
    const list = topics.get(topic);
    if (list) list.push(partition);
    else topics.set(topic, [partition]);
  }
  return topics;
}

export class Positions {
  readonly #ctx: PositionsContext;
  readonly #coordinator: GroupCoordinator;

  constructor(context: PositionsContext) {
    this.#ctx = context;
    this.#coordinator = new GroupCoordinator(context.consumer, context.consumer.groupId);
  }

  /** New ownerships: committed offset, else earliest/latest. */
  start(partitions: readonly OwnedPartition[]): Promise<void> {
    return this.#locate(partitions, true);
  }

  /** OFFSET_OUT_OF_RANGE: earliest/latest, as configured. */
  reset(partitions: readonly OwnedPartition[]): Promise<void> {
    for (const owned of partitions) owned.position = undefined;
    return this.#locate(partitions, false);
  }

  async #locate(partitions: readonly OwnedPartition[], committedFirst: boolean): Promise<void> {
    for (let failures = 0; !this.#ctx.signal.aborted; failures++) {
      const pending = partitions.filter((p) => this.#ctx.ownership.isCurrent(p) && p.position === undefined);
      if (pending.length === 0) return;
      try {
        const missing = committedFirst ? await this.#committed(pending) : pending;
        if (missing.length > 0) await this.#earliestOrLatest(missing);
        this.#ctx.located(pending);
        return;
      } catch (error) {
        if (this.#ctx.signal.aborted || this.#ctx.consumer.closed) return;
        this.#ctx.failed(error, committedFirst ? 'reading committed offsets' : 'resetting out-of-range offsets');
        await sleep(backoffMs(failures), this.#ctx.signal);
      }
    }
  }

  /** Sets the committed offsets; returns the partitions the group has none for. */
  async #committed(pending: readonly OwnedPartition[]): Promise<OwnedPartition[]> {
    const { consumer } = this.#ctx;
    const committed = await stableCommittedOffsets(consumer, this.#coordinator, consumer.groupId, pending);
    const missing: OwnedPartition[] = [];
    for (const owned of pending) {
      const offset = committed.get(`${owned.topic}:${owned.partition}`);
      if (offset === undefined || offset < 0) missing.push(owned);
      else this.#set(owned, BigInt(offset));
    }
    return missing;
  }

  async #earliestOrLatest(pending: readonly OwnedPartition[]): Promise<void> {
    const topics = byTopic(pending);
    const offsets = await this.#ctx.consumer.listOffsets({
      topics: [...topics.keys()],
      partitions: Object.fromEntries(topics),
      timestamp: this.#ctx.fromBeginning ? ListOffsetTimestamps.EARLIEST : ListOffsetTimestamps.LATEST,
    });
    for (const owned of pending) {
      const offset = offsets.get(owned.topic)?.[owned.partition];
      if (typeof offset !== 'bigint' || offset < 0n)
        throw new Error(`no ${this.#ctx.fromBeginning ? 'earliest' : 'latest'} offset for ${owned.topic}[${owned.partition}]`);
      this.#set(owned, offset);
    }
  }

  #set(owned: OwnedPartition, offset: bigint): void {
    if (this.#ctx.ownership.isCurrent(owned) && owned.position === undefined) owned.position = offset;
  }
}
