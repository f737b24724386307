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

  constructor(budgets: Budgets) {
    this.#budgets = budgets;
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
    for (const ledger of ledgers) this.#byKey.set(ledger.key, ledger);
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
    return ledger.closed || ledger.uncommitted >= this.#budgets.partitionBudget || this.used >= this.#budgets.globalBudget;
  }

  admit(ledger: PartitionLedger, offset: number): void {
    this.#uncommitted += ledger.admit(offset);
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
      if (ledger !== undefined && ledger.epoch === o.epoch) this.#uncommitted -= ledger.markCommitted(o.offset);
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
