/**
 * Queued rows by lane (a partition), taken round-robin so one partition's burst cannot starve the others,
 * first-in first-out within a lane. Lanes with rows form a circular linked list, so taking a row and
 * retiring an emptied lane are O(1); a lane object is kept when empty (lanes are partitions: few, reused).
 */
import { KeyedRing } from '../core/keyed-ring.ts';

class Lane<T> {
  /** Key = enqueue time: non-decreasing within a lane, so the head is the lane's oldest row. */
  readonly rows = new KeyedRing<T>();
  next: Lane<T> | undefined;
  prev: Lane<T> | undefined;
}

export class RoundRobinLanes<T> {
  readonly #lanes = new Map<string, Lane<T>>();
  /** The lane the next take starts from; undefined when nothing is queued. */
  #cursor: Lane<T> | undefined;
  #size = 0;

  /** Rows queued over all lanes. */
  get size(): number {
    return this.#size;
  }

  push(name: string, enqueuedAt: number, item: T): void {
    let lane = this.#lanes.get(name);
    if (lane === undefined) {
      lane = new Lane<T>();
      this.#lanes.set(name, lane);
    }
    if (lane.rows.size === 0) this.#link(lane);
    lane.rows.push(enqueuedAt, item);
    this.#size++;
  }

  /** Drops every queued row; returns how many. */
  clear(): number {
    const dropped = this.#size;
    for (const lane of this.#lanes.values()) {
      while (lane.rows.size > 0) lane.rows.shift();
      lane.next = lane.prev = undefined;
    }
    this.#cursor = undefined;
    this.#size = 0;
    return dropped;
  }

  /** Moves up to `n` rows into `out`, one lane at a time in turn; returns the oldest enqueue time taken. */
  take(n: number, out: T[]): number {
    let lane = this.#cursor;
    let oldest = Infinity;
    for (let taken = 0; taken < n && lane !== undefined; taken++) {
      const at = lane.rows.keyAt(0);
      if (at < oldest) oldest = at;
      out.push(lane.rows.shift() as T);
      this.#size--;
      const next: Lane<T> | undefined = lane.next;
      if (lane.rows.size === 0) this.#unlink(lane);
      lane = this.#cursor === undefined ? undefined : next;
    }
    if (lane !== undefined) this.#cursor = lane;
    return oldest;
  }

  /** Enqueue time of the oldest queued row (Infinity when none): O(lanes with rows), called per batch. */
  oldest(): number {
    let oldest = Infinity;
    const start = this.#cursor;
    if (start === undefined) return oldest;
    let lane = start;
    do {
      const at = lane.rows.keyAt(0);
      if (at < oldest) oldest = at;
      lane = lane.next!;
    } while (lane !== start);
    return oldest;
  }

  /** A lane that gains rows joins just before the cursor: it is served at the end of the current round. */
  #link(lane: Lane<T>): void {
    const cursor = this.#cursor;
    if (cursor === undefined) {
      lane.next = lane.prev = lane;
      this.#cursor = lane;
      return;
    }
    const last = cursor.prev!;
    lane.prev = last;
    lane.next = cursor;
    last.next = lane;
    cursor.prev = lane;
  }

  #unlink(lane: Lane<T>): void {
    const { next, prev } = lane;
    if (next === lane) {
      this.#cursor = undefined;
    } else {
      prev!.next = next;
      next!.prev = prev;
      if (this.#cursor === lane) this.#cursor = next;
    }
    lane.next = lane.prev = undefined;
  }
}
