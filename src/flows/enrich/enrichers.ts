/**
 * A worker thread's enrichers, one per flow and enrich setting: each holds its own Redis connection and
 * cache, so a cache is per worker thread, never shared across threads or replicas. A plans generation
 * (hot reload) with the same setting reuses the enricher, keeping its warm cache.
 */
import { systemClock, systemScheduler } from '../../core/clock.ts';
import type { FlowPlan } from '../plan.ts';
import { Enricher } from './enricher.ts';
import { RedisStore } from './redis-store.ts';

export class Enrichers {
  readonly #byPlan = new Map<string, Enricher>();

  for(plan: FlowPlan): Enricher | undefined {
    const { enrich } = plan;
    if (enrich === undefined) return undefined;
    const id = `${plan.name}\n${JSON.stringify(enrich)}`;
    let enricher = this.#byPlan.get(id);
    if (enricher === undefined) {
      enricher = new Enricher(enrich, { store: new RedisStore(enrich.redis.url, enrich.timeoutMs), clock: systemClock, scheduler: systemScheduler });
      this.#byPlan.set(id, enricher);
    }
    return enricher;
  }
}
