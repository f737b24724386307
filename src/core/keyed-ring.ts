/**
 * A FIFO of (key, value, done) entries in a power-of-two ring of parallel arrays: holding N entries costs
 * a few bytes per slot and no object per entry, which matters at tens of thousands of events a second.
 * Keys never decrease (offsets, enqueue times), so an entry is found by binary search; when keys are
 * consecutive integers (offsets without gaps) the first probe already lands on it.
 * Capacity doubles when full and halves when a quarter full, so memory follows what is held.
 */
import { ScorerError } from '../errors.ts';

const MIN_CAPACITY = 16;

export class KeyedRing<T> {
  #keys: Float64Array;
  #done: Uint8Array;
  #values: (T | undefined)[];
  #head = 0;
  #size = 0;
  #mask: number;

  constructor() {
    this.#keys = new Float64Array(MIN_CAPACITY);
    this.#done = new Uint8Array(MIN_CAPACITY);
    this.#values = new Array<T | undefined>(MIN_CAPACITY);
    this.#mask = MIN_CAPACITY - 1;
  }

  get size(): number {
    return this.#size;
  }

  /** Slots allocated (for tests and memory metrics). */
  get capacity(): number {
    return this.#keys.length;
  }

  /** Appends at the tail; the caller guarantees `key` is not below the tail's key. */
  push(key: number, value?: T): void {
    if (this.#size === this.#keys.length) this.#resize(this.#keys.length * 2);
    const slot = (this.#head + this.#size) & this.#mask;
    this.#keys[slot] = key;
    this.#done[slot] = 0;
    this.#values[slot] = value;
    this.#size++;
  }

  /** Removes the head entry and returns its value. */
  shift(): T | undefined {
    if (this.#size === 0) throw new ScorerError('SCORER_ERR_INVARIANT', 'shift() on an empty ring');
    const slot = this.#head;
    const value = this.#values[slot];
    this.#values[slot] = undefined; // let the value be collected
    this.#head = (slot + 1) & this.#mask;
    this.#size--;
    const capacity = this.#keys.length;
    if (capacity > MIN_CAPACITY && this.#size <= capacity >>> 2) this.#resize(capacity >>> 1);
    return value;
  }

  // Index accessors take a position 0..size-1 from the head; callers check bounds.
  keyAt(index: number): number {
    return this.#keys[(this.#head + index) & this.#mask]!;
  }

  valueAt(index: number): T | undefined {
    return this.#values[(this.#head + index) & this.#mask];
  }

  isDone(index: number): boolean {
    return this.#done[(this.#head + index) & this.#mask] === 1;
  }

  setDone(index: number, value?: T): void {
    const slot = (this.#head + index) & this.#mask;
    this.#done[slot] = 1;
    this.#values[slot] = value;
  }

  /** Position of an entry with this key, or -1. */
  indexOf(key: number): number {
    const size = this.#size;
    if (size === 0) return -1;
    const guess = key - this.keyAt(0);
    if (guess >= 0 && guess < size && Number.isInteger(guess) && this.keyAt(guess) === key) return guess;
    let lo = 0;
    let hi = size - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      const k = this.keyAt(mid);
      if (k < key) lo = mid + 1;
      else if (k > key) hi = mid - 1;
      else return mid;
    }
    return -1;
  }

  #resize(capacity: number): void {
    const keys = new Float64Array(capacity);
    const done = new Uint8Array(capacity);
    const values = new Array<T | undefined>(capacity);
    for (let i = 0; i < this.#size; i++) {
      const slot = (this.#head + i) & this.#mask;
      keys[i] = this.#keys[slot]!;
      done[i] = this.#done[slot]!;
      values[i] = this.#values[slot];
    }
    this.#keys = keys;
    this.#done = done;
    this.#values = values;
    this.#head = 0;
    this.#mask = capacity - 1;
  }
}
