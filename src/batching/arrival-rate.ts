/**
 * Arrival rate as an exponentially weighted average of per-window rates. Kafka hands rows over in fetch
 * bursts (hundreds at one instant), so per-row inter-arrival times are meaningless; counting rows per
 * window of time and smoothing across windows follows the sustained rate instead.
 */
export class ArrivalRate {
  readonly #windowMs: number;
  readonly #halfLifeMs: number;
  #windowStart: number | undefined;
  #count = 0;
  /** Rows per ms; undefined until the first window closes. */
  #rate: number | undefined;

  constructor(windowMs = 50, halfLifeMs = 500) {
    this.#windowMs = windowMs;
    this.#halfLifeMs = halfLifeMs;
  }

  record(now: number): void {
    const start = this.#windowStart;
    if (start === undefined) {
      this.#windowStart = now;
    } else if (now - start >= this.#windowMs) {
      this.#close(now - start);
      this.#windowStart = now;
    }
    this.#count++;
  }

  /** Smoothed rows per millisecond; 0 before the first window closes. */
  perMs(): number {
    return this.#rate ?? 0;
  }

  #close(elapsed: number): void {
    const sample = this.#count / elapsed;
    this.#count = 0;
    if (this.#rate === undefined) {
      this.#rate = sample;
      return;
    }
    // Weight by elapsed time, so a window closed after a long silence counts for what it covers.
    const weight = 1 - 2 ** (-elapsed / this.#halfLifeMs);
    this.#rate += weight * (sample - this.#rate);
  }
}
