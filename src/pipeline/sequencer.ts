/**
 * Releases one partition's results in offset order although batches finish in any order. A key lives in
 * one partition, so offset order per partition gives the promised per-key output order.
 */
import { OffsetWindow } from './offset-window.ts';

export class PartitionSequencer<T> {
  readonly #window = new OffsetWindow<T>();

  /** Offsets strictly increase (gaps allowed); throws otherwise. */
  enqueue(offset: number): void {
    this.#window.admit(offset);
  }

  /** Any order; throws for an offset never enqueued or already completed. */
  complete(offset: number, value: T): void {
    this.#window.complete(offset, value);
  }

  /** The completed run at the head, in offset order, removed; [] when the head is not complete. */
  drain(): T[] {
    const out: T[] = [];
    if (this.#window.headDone()) this.#window.release(out);
    return out;
  }

  /** Like drain() but appends to `out` (no array per call); returns how many were appended. */
  drainInto(out: T[]): number {
    return this.#window.release(out);
  }

  /** Enqueued and not yet drained (completed ones held behind an open head included). */
  get pending(): number {
    return this.#window.size;
  }

  /** Completed but held behind a lower offset that is still open. */
  get blocked(): number {
    return this.#window.done;
  }

  /** The lowest offset not yet drained, or undefined. */
  get head(): number | undefined {
    return this.#window.first;
  }
}
