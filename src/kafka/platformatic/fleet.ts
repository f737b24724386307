/**
 * The set of fetch loops: one BrokerFetcher per broker in the cluster metadata, created as brokers
 * appear. A loop takes the partitions its broker leads at each step, so a leader change moves a
 * partition to another loop with no bookkeeping here. What this adds: waking the right loop when a
 * partition becomes fetchable, and a metadata refresh when a partition has no leader any loop can use.
 */
import { setTimeout as delay } from 'node:timers/promises';
import type { ClusterMetadata } from '@platformatic/kafka';
import { BrokerFetcher, type FetchContext } from './fetcher.ts';

/** While a partition has no usable leader (an election), how often metadata is asked again. */
const NO_LEADER_REFRESH_MS = 500;

export class FetchFleet {
  readonly #ctx: FetchContext;
  readonly #loops = new Map<number, BrokerFetcher>();
  #refresh: NodeJS.Timeout | undefined;
  #discovering = false;

  constructor(context: FetchContext) {
    this.#ctx = context;
  }

  /** Wakes the loop leading the partition, or every loop when that is not known. */
  wake(topic?: string, partition?: number): void {
    if (this.#ctx.signal.aborted) return;
    if (this.#loops.size === 0) {
      this.#discover();
      return;
    }
    const leader = topic === undefined ? undefined : this.#ctx.consumer.currentMetadata?.topics.get(topic)?.partitions[partition ?? -1]?.leader;
    const loop = leader === undefined ? undefined : this.#loops.get(leader);
    if (loop !== undefined) loop.notify();
    else for (const each of this.#loops.values()) each.notify();
  }

  /** Called by every loop with the metadata of its step. */
  readonly route = (metadata: ClusterMetadata): void => {
    if (this.#ctx.signal.aborted) return;
    for (const node of metadata.brokers.keys()) {
      if (!this.#loops.has(node)) this.#loops.set(node, new BrokerFetcher(node, this.#ctx, this.route));
    }
    for (const owned of this.#ctx.ownership.all()) {
      if (!owned.fetchable) continue;
      const leader = metadata.topics.get(owned.topic)?.partitions[owned.partition]?.leader;
      if (leader === undefined || !metadata.brokers.has(leader)) this.#refreshSoon();
    }
  };

  #refreshSoon(): void {
    if (this.#refresh !== undefined) return;
    this.#refresh = setTimeout(() => {
      this.#refresh = undefined;
      this.#ctx.consumer.clearMetadata();
      this.wake();
    }, NO_LEADER_REFRESH_MS);
  }

  /** The first loops: metadata says which brokers there are. */
  #discover(): void {
    if (this.#discovering) return;
    this.#discovering = true;
    this.#ctx.consumer
      .metadata({ topics: this.#ctx.topics })
      .then(this.route, (error: unknown) => {
        if (this.#ctx.signal.aborted) return;
        this.#ctx.failed(error, 'reading cluster metadata');
        this.#refreshSoon();
      })
      .finally(() => {
        this.#discovering = false;
      });
  }

  /**
   * Waits for the loops to see the aborted signal, at most `boundMs`: a fetch stuck on an unreachable
   * broker ends when the consumer closes (base.js cancels retries on 'client:close'), not before.
   */
  async stop(boundMs: number): Promise<void> {
    clearTimeout(this.#refresh);
    for (const loop of this.#loops.values()) loop.notify();
    const finished = Promise.all([...this.#loops.values()].map((loop) => loop.done));
    const bound = new AbortController();
    await Promise.race([finished, delay(boundMs, undefined, { signal: bound.signal }).catch(() => undefined)]);
    bound.abort();
  }
}
