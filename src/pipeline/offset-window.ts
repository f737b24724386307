/**
 * The shared core of commit tracking and result sequencing: offsets of one partition are admitted in
 * increasing order (with gaps: compaction, transaction markers), completed in any order, and released
 * from the head as a contiguous completed run. What is held is only the window from the oldest
 * unreleased offset to the newest admitted one.
 */
import { ScorerError } from '../errors.ts';
import { KeyedRing } from './keyed-ring.ts';

export class OffsetWindow<T> {
  readonly #ring = new KeyedRing<T>();
  #last: number | undefined;
  #done = 0;

  /** Admitted and not yet released (completed ones waiting behind an open head included). */
  get size(): number {
    return this.#ring.size;
  }

  /** Completed but not yet released, because a lower offset is still open. */
  get done(): number {
    return this.#done;
  }

  /** The last admitted offset; undefined before the first admit. */
  get last(): number | undefined {
    return this.#last;
  }

  /** The oldest unreleased offset; undefined when nothing is held. */
  get first(): number | undefined {
    return this.#ring.size === 0 ? undefined : this.#ring.keyAt(0);
  }

  admit(offset: number): void {
    if (!Number.isSafeInteger(offset) || offset < 0 || (this.#last !== undefined && offset <= this.#last)) {
      throw new ScorerError('SCORER_ERR_INVARIANT', `offset ${offset} admitted after ${this.#last ?? 'none'}`, {
        details: { offset, last: this.#last },
      });
    }
    this.#ring.push(offset);
    this.#last = offset;
  }

  complete(offset: number, value: T): void {
    const index = this.#ring.indexOf(offset);
    if (index < 0 || this.#ring.isDone(index)) {
      throw new ScorerError('SCORER_ERR_INVARIANT', `offset ${offset} was never admitted or is already complete`, {
        details: { offset, first: this.first, last: this.#last },
      });
    }
    this.#ring.setDone(index, value);
    this.#done++;
  }

  /** True when the head is complete, i.e. release() would release something. */
  headDone(): boolean {
    return this.#ring.size > 0 && this.#ring.isDone(0);
  }

  /** Releases the completed run at the head, appending its values to `out` when given; returns the count. */
  release(out?: T[]): number {
    const ring = this.#ring;
    let count = 0;
    while (ring.size > 0 && ring.isDone(0)) {
      const value = ring.shift() as T;
      if (out !== undefined) out.push(value);
      count++;
    }
    this.#done -= count;
    return count;
  }
}
