/**
 * One owned partition's ledger for one ownership (epoch): every admitted offset goes admitted -> done ->
 * released (handed to the sender) -> acknowledged, in one ring of entries from the oldest unacknowledged
 * offset to the newest admitted. Results complete in any order; they are released in offset order (the
 * per-key order the product promises) and, because the sender keeps one send in flight, acknowledged in
 * the order released. So the acknowledged offsets are always a prefix and the commit watermark is simply
 * the oldest entry still held: no second structure, and no out-of-order acknowledgement to track.
 *
 * A revoked or lost ledger stops sending: results that complete after that are dropped (the partition's
 * next owner reads them again from the committed offset), records already with the sender are still
 * acknowledged, and the ledger never moves the new owner's commits (tulios/kafkajs#916).
 */
import { KeyedRing } from '../core/keyed-ring.ts';
import type { Outgoing, Sequenced } from '../delivery/outgoing.ts';
import { ScorerError } from '../errors.ts';
import { type Assignment, partitionKey } from '../kafka/client.ts';

/** What a ledger tells the partition table about work that stops counting once it was revoked. */
export interface StaleWork {
  /** `n` entries of a revoked ledger are no longer held (acknowledged, or dropped on completion). */
  retired(n: number): void;
}

export class PartitionLedger implements Sequenced<Outgoing>, Assignment {
  readonly topic: string;
  readonly partition: number;
  readonly epoch: number;
  readonly key: string;
  /** The partition's log end offset seen on the last fetch: lag = highWatermark - watermark. */
  highWatermark = 0;
  readonly #ring = new KeyedRing<Outgoing>();
  readonly #stale: StaleWork;
  /** Entries at the head that are with the sender, awaiting acknowledgement. */
  #released = 0;
  #last: number | undefined;
  /** Where the uncommitted window starts: the last committed offset, or the first admitted. */
  #base: number | undefined;
  #committed: number | undefined;
  #revoked = false;
  #closed = false;

  constructor(assignment: Assignment, stale: StaleWork) {
    this.topic = assignment.topic;
    this.partition = assignment.partition;
    this.epoch = assignment.epoch;
    this.key = partitionKey(assignment.topic, assignment.partition);
    this.#stale = stale;
  }

  get revoked(): boolean {
    return this.#revoked;
  }

  /** Admits nothing more: the partition is being given up and its work in flight finishes (intake.revoked). */
  get closed(): boolean {
    return this.#closed || this.#revoked;
  }

  close(): void {
    this.#closed = true;
  }

  /** Admitted and not yet acknowledged: the records this partition holds in memory. */
  get inFlight(): number {
    return this.#ring.size;
  }

  /**
   * Offsets a crash would replay: from the committed offset (or the first admitted) to one past the last
   * admitted. The budgets bound this, not the records in memory, so duplicates after a kill -9 stay
   * within them; offset distance over-counts compaction gaps, which errs safe.
   */
  get uncommitted(): number {
    return this.#base === undefined || this.#last === undefined ? 0 : this.#last + 1 - this.#base;
  }

  /** Acknowledged and not yet committed: what a commit now would retire. */
  get ackedUncommitted(): number {
    return this.uncommitted - this.#ring.size;
  }

  /** Records an admission; returns how much `uncommitted` grew. Offsets must strictly increase. */
  admit(offset: number): number {
    if (!Number.isSafeInteger(offset) || offset < 0 || (this.#last !== undefined && offset <= this.#last)) {
      throw new ScorerError('SCORER_ERR_INVARIANT', `${this.key}: offset ${offset} admitted after ${this.#last ?? 'none'}`);
    }
    const before = this.uncommitted;
    this.#ring.push(offset);
    this.#last = offset;
    this.#base ??= offset;
    return this.uncommitted - before;
  }

  complete(offset: number, value: Outgoing): void {
    const index = this.#open(offset);
    if (this.#revoked) this.#retire(index);
    else this.#ring.setDone(index, value);
  }

  abandon(offset: number): void {
    if (!this.#revoked) throw new ScorerError('SCORER_ERR_INVARIANT', `${this.key}: offset ${offset} abandoned while still owned`);
    this.#retire(this.#open(offset));
  }

  /** The index of an admitted offset whose result is still open. */
  #open(offset: number): number {
    const index = this.#ring.indexOf(offset);
    if (index < this.#released || this.#ring.isDone(index)) {
      throw new ScorerError('SCORER_ERR_INVARIANT', `${this.key}: offset ${offset} was never admitted or is already complete`);
    }
    return index;
  }

  /** Never to be sent: the entry keeps its place, so the release cursor stays right, but not a value. */
  #retire(index: number): void {
    this.#ring.setDone(index, undefined);
    this.#stale.retired(1);
  }

  release(out: Outgoing[]): number {
    if (this.#revoked) return 0;
    let count = 0;
    while (this.#released < this.#ring.size && this.#ring.isDone(this.#released)) {
      out.push(this.#ring.valueAt(this.#released) as Outgoing);
      this.#released++;
      count++;
    }
    return count;
  }

  acknowledge(offset: number): void {
    if (this.#released === 0 || this.#ring.keyAt(0) !== offset) {
      throw new ScorerError('SCORER_ERR_INVARIANT', `${this.key}: acknowledgement of ${offset} out of release order`);
    }
    this.#ring.shift();
    this.#released--;
    if (this.#revoked) this.#stale.retired(1);
  }

  /** The offset to commit (the next to read): the oldest unacknowledged, else one past the last admitted. */
  watermark(): number | undefined {
    if (this.#ring.size > 0) return this.#ring.keyAt(0);
    return this.#last === undefined ? undefined : this.#last + 1;
  }

  /** Whether committing `watermark` retires anything not committed yet. */
  advancesTo(watermark: number | undefined): watermark is number {
    return watermark !== undefined && this.#base !== undefined && watermark > this.#base;
  }

  /** Records a successful commit of `offset`; returns how much `uncommitted` shrank. */
  markCommitted(offset: number): number {
    const before = this.uncommitted;
    if (this.#committed === undefined || offset > this.#committed) {
      this.#committed = offset;
      this.#base = offset;
    }
    return before - this.uncommitted;
  }

  /**
   * Ownership ended: nothing more is released. Returns the entries still held, which retire one by one
   * (through StaleWork) as the sender's are acknowledged and the rest complete; results already
   * completed but not yet released are dropped here.
   */
  revoke(): number {
    this.#revoked = true;
    let held = 0;
    for (let i = 0; i < this.#ring.size; i++) {
      if (i < this.#released || !this.#ring.isDone(i)) held++;
      else this.#ring.setDone(i, undefined);
    }
    return held;
  }
}
