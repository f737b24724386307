/**
 * A worker thread's cache of looked-up values, in front of Redis: least recently used entries go past
 * maxEntries, found values expire after ttlMs and missing ones after negativeTtlMs (so a key written
 * after a miss is seen soon, while a burst of events for an unknown key still costs one round trip).
 * The batch's plan: each distinct key is looked up once; only the misses go to Redis.
 */
import { LRUCache } from 'lru-cache';
import type { Clock } from '../../core/clock.ts';
import type { EnrichPlan } from '../plan.ts';
import { isNegative, type Stored } from './stored.ts';

/** One distinct (lookup, key) of a batch. */
export interface Wanted {
  readonly lookup: number;
  readonly key: string;
}

export interface LookupPlan {
  /** By cacheId: what the cache held. */
  readonly found: Map<string, Stored>;
  /** What Redis must be asked, each once. */
  readonly misses: Wanted[];
  readonly hits: number;
}

/** Lookups may read one key differently (a hash's other fields): the cache keys on both. */
export function cacheId(lookup: number, key: string): string {
  return `${lookup}\u0000${key}`;
}

export class EnrichCache {
  readonly #lru: LRUCache<string, Stored>;
  readonly #ttlMs: number;
  readonly #negativeTtlMs: number;

  constructor(settings: EnrichPlan['cache'], clock: Clock) {
    this.#ttlMs = settings.ttlMs;
    this.#negativeTtlMs = Math.min(settings.negativeTtlMs, settings.ttlMs);
    // ttlResolution 0: lru-cache would otherwise cache now() for a millisecond behind a real timer.
    this.#lru = new LRUCache<string, Stored>({ max: settings.maxEntries, ttl: Math.max(1, this.#ttlMs), ttlResolution: 0, perf: clock });
  }

  /** The batch's distinct wants, split into what the cache holds and what it lacks. */
  plan(wants: Iterable<Wanted>): LookupPlan {
    const found = new Map<string, Stored>();
    const misses: Wanted[] = [];
    const asked = new Set<string>();
    let hits = 0;
    for (const want of wants) {
      const id = cacheId(want.lookup, want.key);
      if (asked.has(id)) continue;
      asked.add(id);
      const stored = this.#ttlMs === 0 ? undefined : this.#lru.get(id);
      if (stored === undefined) misses.push(want);
      else {
        found.set(id, stored);
        hits++;
      }
    }
    return { found, misses, hits };
  }

  set(want: Wanted, stored: Stored): void {
    const ttl = isNegative(stored) ? this.#negativeTtlMs : this.#ttlMs;
    if (ttl > 0) this.#lru.set(cacheId(want.lookup, want.key), stored, { ttl });
  }

  get size(): number {
    return this.#lru.size;
  }
}
