/**
 * A canary's automatic rollback (issue 10, part 6), on the main thread, which owns the decision: the
 * worker only applies the share each request carries. The guard watches the candidate over a sliding
 * window of its batches (from each reply: the records routed to it, those it did not answer, its run
 * time) and, once the window holds minRequests records, rolls the canary back when the share it failed
 * is above maxErrorRate or the p99 of its run time per batch is above maxP99Ms. A rollback is final for
 * the process, so the canary cannot flap back onto a broken version; a restart starts it again, and each
 * replica decides on the traffic it sees.
 *
 * The p99 needs no sorting per batch: of n samples the nearest-rank p99 is the ceil(0.99 n)-th smallest,
 * so it is above the bound exactly when more than n - ceil(0.99 n) samples are, a count the window keeps.
 * The value itself is computed once, for the verdict's log line.
 */
import type { Clock } from '../core/clock.ts';
import { KeyedRing } from '../core/keyed-ring.ts';
import type { CanaryBounds } from './plan.ts';

/** The candidate's share of one batch. */
export interface CanarySample {
  readonly rows: number;
  readonly errors: number;
  readonly ms: number;
}

export interface CanaryVerdict {
  readonly breached: 'error-rate' | 'p99-latency';
  /** Candidate records in the window, and how many it failed. */
  readonly requests: number;
  readonly errors: number;
  readonly errorRate: number;
  /** p99 of its run time per batch in the window. */
  readonly p99Ms: number;
  /** The bound breached: maxErrorRate or maxP99Ms. */
  readonly bound: number;
}

export class CanaryGuard {
  readonly #bounds: CanaryBounds;
  readonly #clock: Clock;
  /** Keyed by the clock time each batch was recorded at. */
  readonly #window = new KeyedRing<CanarySample>();
  #rows = 0;
  #errors = 0;
  /** Samples in the window slower than maxP99Ms. */
  #slow = 0;
  #active = true;

  constructor(bounds: CanaryBounds, clock: Clock) {
    this.#bounds = bounds;
    this.#clock = clock;
  }

  /** False once rolled back. */
  get active(): boolean {
    return this.#active;
  }

  /** Records one batch of the candidate's; returns the verdict when this batch makes the guard roll back. */
  record(sample: CanarySample): CanaryVerdict | undefined {
    if (!this.#active || sample.rows === 0) return undefined;
    const now = this.#clock.now();
    this.#evict(now - this.#bounds.windowMs);
    this.#window.push(now, sample);
    this.#add(sample, 1);
    const { maxErrorRate, maxP99Ms, minRequests } = this.#bounds;
    if (this.#rows < minRequests) return undefined;
    const n = this.#window.size;
    if (this.#errors / this.#rows > maxErrorRate) return this.#rollBack('error-rate', maxErrorRate);
    if (maxP99Ms !== undefined && this.#slow > n - Math.ceil(0.99 * n)) return this.#rollBack('p99-latency', maxP99Ms);
    return undefined;
  }

  #rollBack(breached: CanaryVerdict['breached'], bound: number): CanaryVerdict {
    this.#active = false;
    const times: number[] = [];
    for (let i = 0; i < this.#window.size; i++) times.push((this.#window.valueAt(i) as CanarySample).ms);
    times.sort((a, b) => a - b);
    const p99Ms = times[Math.ceil(0.99 * times.length) - 1] as number;
    return { breached, requests: this.#rows, errors: this.#errors, errorRate: this.#errors / this.#rows, p99Ms, bound };
  }

  #evict(before: number): void {
    while (this.#window.size > 0 && this.#window.keyAt(0) <= before) this.#add(this.#window.shift() as CanarySample, -1);
  }

  #add(sample: CanarySample, sign: 1 | -1): void {
    this.#rows += sign * sample.rows;
    this.#errors += sign * sample.errors;
    if (this.#bounds.maxP99Ms !== undefined && sample.ms > this.#bounds.maxP99Ms) this.#slow += sign;
  }
}
