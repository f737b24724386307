/**
 * The partitions this member owns, one ledger each, and the totals the budgets are checked against.
 * It is the committer's WatermarkSource, so a committer sees only watermarks of partitions still owned
 * under the epoch they were admitted in.
 */
import type { WatermarkSource } from '../delivery/committer.ts';
import { type Assignment, type CommitOffset, partitionKey, type TopicPartition } from '../kafka/client.ts';
import { PartitionLedger, type StaleWork } from './ledger.ts';

export interface Budgets {
  /** Uncommitted offsets over all partitions. */
  readonly globalBudget: number;
  /** Uncommitted offsets of one partition. */
  readonly partitionBudget: number;
  /** Per-lane shares of the global budget; absent: one lane, the global budget alone. */
  readonly lanes?: LaneBudgets;
}

/**
 * Per-model isolation: every topic feeds one lane (a served model, or a flow), and each lane may hold
 * only its share of the uncommitted offsets, so a flood for one lane pauses the partitions that feed it
 * and leaves the others' budget alone (a lone global budget lets one lane take all of it, and then every
 * partition pauses).
 */
export interface LaneBudgets {
  /** The lane a topic's records go to. */
  readonly laneOf: (topic: string) => string;
  /** Uncommitted offsets each lane's partitions may hold together. */
  readonly budgets: ReadonlyMap<string, number>;
}

export class PartitionTable implements WatermarkSource, StaleWork {
  readonly #budgets: Budgets;
  readonly #byKey = new Map<string, PartitionLedger>();
  /** Sum of the owned ledgers' uncommitted windows. */
  #uncommitted = 0;
  /** Admitted and not acknowledged, in owned ledgers. */
  #held = 0;
  /** Still held by revoked ledgers: memory, but no longer anything to commit. */
  #stale = 0;
  /** The owned ledgers' uncommitted windows, summed per lane (only when there are lane budgets). */
  readonly #laneUncommitted = new Map<string, number>();
  /** Each owned ledger's lane and that lane's budget, looked up once at assignment. */
  readonly #laneOfLedger = new Map<PartitionLedger, { readonly lane: string; readonly budget: number }>();

  constructor(budgets: Budgets) {
    this.#budgets = budgets;
  }

  /** The lane's uncommitted offsets and its budget; undefined without lane budgets. */
  lane(ledger: PartitionLedger): { used: number; budget: number } | undefined {
    const lane = this.#laneOfLedger.get(ledger);
    return lane === undefined ? undefined : { used: this.#laneUncommitted.get(lane.lane) ?? 0, budget: lane.budget };
  }

  #addToLane(ledger: PartitionLedger, delta: number): void {
    const lane = this.#laneOfLedger.get(ledger);
    if (lane !== undefined) this.#laneUncommitted.set(lane.lane, (this.#laneUncommitted.get(lane.lane) ?? 0) + delta);
  }

  /** Events in memory, across owned and revoked partitions. */
  get inSystem(): number {
    return this.#held + this.#stale;
  }

  /** What the global budget is checked against. */
  get used(): number {
    return this.#uncommitted + this.#stale;
  }

  get size(): number {
    return this.#byKey.size;
  }

  assign(partitions: readonly Assignment[]): PartitionLedger[] {
    const ledgers = partitions.map((a) => new PartitionLedger(a, this));
    const lanes = this.#budgets.lanes;
    for (const ledger of ledgers) {
      this.#byKey.set(ledger.key, ledger);
      if (lanes === undefined) continue;
      const lane = lanes.laneOf(ledger.topic);
      this.#laneOfLedger.set(ledger, { lane, budget: lanes.budgets.get(lane) ?? this.#budgets.globalBudget });
    }
    return ledgers;
  }

  /** Ends the ownership of these partitions (only the epochs named); returns the ledgers it ended. */
  revoke(partitions: readonly Assignment[]): PartitionLedger[] {
    const ended: PartitionLedger[] = [];
    for (const a of partitions) {
      const ledger = this.get(a);
      if (ledger === undefined || ledger.epoch !== a.epoch) continue;
      this.#byKey.delete(ledger.key);
      this.#uncommitted -= ledger.uncommitted;
      this.#addToLane(ledger, -ledger.uncommitted);
      this.#laneOfLedger.delete(ledger);
      this.#held -= ledger.inFlight;
      this.#stale += ledger.revoke();
      ended.push(ledger);
    }
    return ended;
  }

  get(tp: TopicPartition): PartitionLedger | undefined {
    return this.#byKey.get(partitionKey(tp.topic, tp.partition));
  }

  byKey(key: string): PartitionLedger | undefined {
    return this.#byKey.get(key);
  }

  all(): IterableIterator<PartitionLedger> {
    return this.#byKey.values();
  }

  /** Whether admission must stop for this partition; a closed one (being given up) has no budget left. */
  overBudget(ledger: PartitionLedger): boolean {
    if (ledger.closed || ledger.uncommitted >= this.#budgets.partitionBudget || this.used >= this.#budgets.globalBudget) return true;
    const lane = this.lane(ledger);
    return lane !== undefined && lane.used >= lane.budget;
  }

  admit(ledger: PartitionLedger, offset: number): void {
    const grown = ledger.admit(offset);
    this.#uncommitted += grown;
    this.#addToLane(ledger, grown);
    this.#held++;
  }

  /** One record of an owned ledger was acknowledged (revoked ledgers report through `retired`). */
  acknowledgedOne(): void {
    this.#held--;
  }

  retired(n: number): void {
    this.#stale -= n;
  }

  movedWatermarks(): CommitOffset[] {
    return this.watermarksOf(this.#byKey.values());
  }

  /** The watermark of each of these ledgers that has something to commit. */
  watermarksOf(ledgers: Iterable<PartitionLedger>): CommitOffset[] {
    const out: CommitOffset[] = [];
    for (const ledger of ledgers) {
      const watermark = ledger.watermark();
      if (ledger.advancesTo(watermark)) out.push({ topic: ledger.topic, partition: ledger.partition, epoch: ledger.epoch, offset: watermark });
    }
    return out;
  }

  committed(offsets: readonly CommitOffset[]): void {
    for (const o of offsets) {
      const ledger = this.get(o);
      if (ledger === undefined || ledger.epoch !== o.epoch) continue;
      const shrunk = ledger.markCommitted(o.offset);
      this.#uncommitted -= shrunk;
      this.#addToLane(ledger, -shrunk);
    }
  }

  /** A quarter of a budget acknowledged and not committed: commit now rather than at the next tick. */
  commitDue(): boolean {
    if (this.#uncommitted - this.#held >= this.#budgets.globalBudget / 4) return true;
    for (const ledger of this.#byKey.values()) {
      if (ledger.ackedUncommitted >= this.#budgets.partitionBudget / 4) return true;
    }
    return false;
  }
}
