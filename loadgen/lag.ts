/**
 * The scorer group's committed lag on the input topic: what an operator's lag alert (or KEDA) sees.
 * Sampled once a second in the background, so a slow admin request never delays the timeline.
 */

import type { Admin } from 'kafkajs';

export interface PartitionEnds {
  readonly partition: number;
  readonly low: string;
  readonly high: string;
}

export interface Committed {
  readonly partition: number;
  /** "-1" when the group has not committed on the partition. */
  readonly offset: string;
}

/**
 * Sum over partitions of end offset minus committed offset. A partition the group has not committed on
 * counts from its low watermark: everything still there is unread. Pure.
 */
export function sumLag(ends: readonly PartitionEnds[], committed: readonly Committed[]): number {
  const byPartition = new Map(committed.map((c) => [c.partition, Number(c.offset)]));
  let lag = 0;
  for (const { partition, low, high } of ends) {
    const offset = byPartition.get(partition) ?? -1;
    lag += Math.max(0, Number(high) - (offset >= 0 ? offset : Number(low)));
  }
  return lag;
}

export async function groupLag(admin: Admin, groupId: string, topic: string): Promise<number> {
  const [ends, groups] = await Promise.all([admin.fetchTopicOffsets(topic), admin.fetchOffsets({ groupId, topics: [topic] })]);
  return sumLag(ends, groups.find((g) => g.topic === topic)?.partitions ?? []);
}

/** Polls `groupLag` every `intervalMs` until stopped; keeps the latest value and the peak. */
export class LagSampler {
  readonly #sample: () => Promise<number>;
  readonly #intervalMs: number;
  #latest: number | undefined;
  #peak: number | undefined;
  #timer: NodeJS.Timeout | undefined;
  #stopped = false;

  constructor(sample: () => Promise<number>, intervalMs = 1000) {
    this.#sample = sample;
    this.#intervalMs = intervalMs;
  }

  get latest(): number | undefined {
    return this.#latest;
  }

  get peak(): number | undefined {
    return this.#peak;
  }

  start(): void {
    void this.#poll();
  }

  stop(): void {
    this.#stopped = true;
    if (this.#timer !== undefined) clearTimeout(this.#timer);
  }

  async #poll(): Promise<void> {
    try {
      const lag = await this.#sample();
      this.#latest = lag;
      this.#peak = Math.max(this.#peak ?? 0, lag);
    } catch {
      // A failed sample leaves the last value: lag is a diagnostic, not worth failing the run for.
    }
    if (!this.#stopped) this.#timer = setTimeout(() => void this.#poll(), this.#intervalMs);
  }
}
