/**
 * Lag in seconds per partition: the records behind divided by how fast the partition's acknowledged
 * watermark has moved lately. It is the signal an autoscaler wants (issue 9): 10,000 records behind is
 * half a second at 20,000/s and an hour at 3/s. The rate is exponentially weighted (half-life
 * `halfLifeMs`), so one slow second does not swing it. Pure: the caller passes the time.
 */

interface Sample {
  at: number;
  watermark: number;
  /** Records per second; undefined until two samples have been seen. */
  rate: number | undefined;
}

export class LagSeconds {
  readonly #halfLifeMs: number;
  readonly #samples = new Map<string, Sample>();

  constructor(halfLifeMs = 10_000) {
    this.#halfLifeMs = halfLifeMs;
  }

  /**
   * Seconds to work off `lagRecords` at the recent rate: 0 without lag, Infinity with lag and no
   * progress at all (a stalled partition: scale, or look), undefined before the first rate is known.
   */
  seconds(key: string, watermark: number, lagRecords: number, nowMs: number): number | undefined {
    const sample = this.#samples.get(key);
    if (sample === undefined) {
      this.#samples.set(key, { at: nowMs, watermark, rate: undefined });
      return lagRecords > 0 ? undefined : 0;
    }
    const dt = nowMs - sample.at;
    if (dt > 0) {
      const instant = (Math.max(0, watermark - sample.watermark) * 1000) / dt;
      const weight = 1 - 2 ** (-dt / this.#halfLifeMs);
      sample.rate = sample.rate === undefined ? instant : sample.rate + weight * (instant - sample.rate);
      sample.at = nowMs;
      sample.watermark = watermark;
    }
    if (lagRecords <= 0) return 0;
    if (sample.rate === undefined) return undefined;
    return sample.rate > 0 ? lagRecords / sample.rate : Infinity;
  }

  /** Drops the partitions not in `owned` (revoked or lost): a later owner starts afresh. */
  retain(owned: ReadonlySet<string>): void {
    for (const key of this.#samples.keys()) if (!owned.has(key)) this.#samples.delete(key);
  }
}
