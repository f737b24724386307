/** What the enricher asks of a store (redis-store.ts), and how a store says it could not answer. */
import type { EnrichLookupPlan } from '../plan.ts';
import type { Stored } from './stored.ts';

export interface StoreRequest {
  readonly lookup: EnrichLookupPlan;
  readonly key: string;
}

/** Redis could not be asked: not connected, refused, closed mid-trip, or too slow. */
export class StoreUnavailable extends Error {
  override readonly name = 'StoreUnavailable';
  readonly timedOut: boolean;
  constructor(message: string, timedOut: boolean, cause?: unknown) {
    super(message, cause === undefined ? undefined : { cause });
    this.timedOut = timedOut;
  }
}

/** What the enricher needs of a store: Redis (redis-store.ts); tests use a real one. */
export interface EnrichStore {
  /** One Stored per request, in order; rejects with StoreUnavailable. */
  fetch(requests: readonly StoreRequest[]): Promise<Stored[]>;
}
