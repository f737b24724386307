/**
 * Everything the pipeline knows about one assigned partition in one group generation. A rebalance marks
 * the object revoked and builds a new one, so results that arrive late for the old generation update
 * only the old object: they can never move the new generation's commit watermark (tulios/kafkajs#916:
 * no revoke callback, so staleness is decided here).
 */
import { PartitionOffsets } from '../ingest/offset-tracker.ts';
import { partitionKey, type TopicPartition } from '../ingest/types.ts';
import { PartitionSequencer } from './sequencer.ts';
import type { Outgoing } from './work.ts';

export class PartitionState implements TopicPartition {
  readonly topic: string;
  readonly partition: number;
  readonly key: string;
  readonly offsets = new PartitionOffsets();
  readonly sequencer = new PartitionSequencer<Outgoing>();
  /** Admitted and not yet acknowledged downstream (buffered + scoring + awaiting ack): what memory holds. */
  inSystem = 0;
  /** Log end offset seen on the last fetch; lag = highWatermark - watermark. */
  highWatermark = 0;
  /** Last offset committed for this generation. */
  committed: number | undefined;
  /** Where the uncommitted window starts: the committed offset, or the first offset admitted. */
  #base: number | undefined;
  /** One past the last offset admitted. */
  #next = 0;
  revoked = false;

  constructor(topic: string, partition: number) {
    this.topic = topic;
    this.partition = partition;
    this.key = partitionKey(topic, partition);
  }

  /**
   * Offsets a crash would replay: from the committed offset (or the first admitted) to one past the
   * last admitted. This, not the events in memory, is what the budgets bound, so duplicates after a
   * kill -9 stay within the budget. Offset distance over-counts compaction gaps, which errs safe.
   */
  get uncommitted(): number {
    return this.#base === undefined ? 0 : this.#next - this.#base;
  }

  /** Records an admission; returns how much `uncommitted` grew. */
  admit(offset: number): number {
    const before = this.uncommitted;
    this.offsets.admit(offset);
    this.sequencer.enqueue(offset);
    this.inSystem += 1;
    this.#base ??= offset;
    this.#next = offset + 1;
    return this.uncommitted - before;
  }

  /** Whether committing `watermark` would retire anything: it must pass the start of the window. */
  advancesTo(watermark: number | undefined): watermark is number {
    return watermark !== undefined && this.#base !== undefined && watermark > this.#base;
  }

  /** Records a successful commit of `offset`; returns how much `uncommitted` shrank. */
  markCommitted(offset: number): number {
    const before = this.uncommitted;
    this.committed = offset;
    this.#base = offset;
    return before - this.uncommitted;
  }

  /** Acknowledged but not yet committed: what a commit now would retire. */
  get ackedUncommitted(): number {
    return this.uncommitted - this.inSystem;
  }
}

/** The current generation's partitions, by key. */
export class PartitionTable {
  #byKey = new Map<string, PartitionState>();

  assign(partitions: readonly TopicPartition[]): PartitionState[] {
    const states = partitions.map((tp) => new PartitionState(tp.topic, tp.partition));
    for (const state of states) this.#byKey.set(state.key, state);
    return states;
  }

  /** Marks every partition revoked and forgets it; returns what was held. */
  revokeAll(): PartitionState[] {
    const states = [...this.#byKey.values()];
    for (const state of states) state.revoked = true;
    this.#byKey.clear();
    return states;
  }

  get(topic: string, partition: number): PartitionState | undefined {
    return this.#byKey.get(partitionKey(topic, partition));
  }

  byKey(key: string): PartitionState | undefined {
    return this.#byKey.get(key);
  }

  all(): IterableIterator<PartitionState> {
    return this.#byKey.values();
  }

  get size(): number {
    return this.#byKey.size;
  }
}
