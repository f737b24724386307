/**
 * Reference counts of what batches in flight hold (a model version, a flow plans generation), so hot
 * reload releases an old version in the workers exactly when its last batch is done, not after a guess
 * at a grace period. Counted on the main thread, where batches are dispatched and completed.
 */
export class InFlightUses {
  readonly #counts = new Map<string, number>();
  readonly #waiters = new Map<string, (() => void)[]>();

  count(key: string): number {
    return this.#counts.get(key) ?? 0;
  }

  /** Holds `key` while `work` runs, settled or not. */
  async during<T>(key: string, work: () => Promise<T>): Promise<T> {
    this.#counts.set(key, this.count(key) + 1);
    try {
      return await work();
    } finally {
      const left = this.count(key) - 1;
      if (left > 0) this.#counts.set(key, left);
      else this.#release(key);
    }
  }

  whenUnused(key: string): Promise<void> {
    if (this.count(key) === 0) return Promise.resolve();
    return new Promise((resolve) => this.#waiters.set(key, [...(this.#waiters.get(key) ?? []), resolve]));
  }

  #release(key: string): void {
    this.#counts.delete(key);
    const waiters = this.#waiters.get(key) ?? [];
    this.#waiters.delete(key);
    for (const wake of waiters) wake();
  }
}
