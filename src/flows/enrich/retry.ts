/**
 * The enrichment's bounded retries: a failed round trip is tried again after a backoff with jitter
 * (core/backoff.ts), at most `retries` times, each attempt timed and kept for the metrics. Past the
 * last retry the stage stops asking: the batch is handed back (wait) or scored with its defaults
 * (defaults). Pure apart from the fetch, the clock and the scheduler it is given.
 */
import { type BackoffPolicy, backoffDelay, sleep } from '../../core/backoff.ts';
import type { Clock, Scheduler } from '../../core/clock.ts';
import type { EnrichmentLookup } from '../../inference/protocol.ts';
import { StoreUnavailable } from './store.ts';

/** A round trip's outcome: ok, error (refused, closed, not connected) or timeout. */
export type LookupAttempt = EnrichmentLookup;

export type Retried<T> = { readonly value: T; readonly attempts: LookupAttempt[] } | { readonly unavailable: string; readonly attempts: LookupAttempt[] };

export interface RetryDeps {
  readonly retries: number;
  readonly policy: BackoffPolicy;
  readonly clock: Clock;
  readonly scheduler: Scheduler;
  readonly random?: () => number;
}

/** Short waits: a batch retrying holds a worker slot, and timeoutMs bounds each attempt already. */
export const ENRICH_BACKOFF: BackoffPolicy = { initialMs: 20, maxMs: 500 };

/** Runs `fetch` until it succeeds or has failed 1 + retries times; anything but StoreUnavailable is a bug and rethrown. */
export async function withRetries<T>(fetch: () => Promise<T>, keys: number, deps: RetryDeps): Promise<Retried<T>> {
  const attempts: LookupAttempt[] = [];
  for (let n = 0; ; n++) {
    const start = deps.clock.now();
    try {
      const value = await fetch();
      attempts.push({ outcome: 'ok', ms: deps.clock.now() - start, keys });
      return { value, attempts };
    } catch (error) {
      if (!(error instanceof StoreUnavailable)) throw error;
      attempts.push({ outcome: error.timedOut ? 'timeout' : 'error', ms: deps.clock.now() - start, keys });
      if (n >= deps.retries) return { unavailable: error.message, attempts };
      await sleep(deps.scheduler, backoffDelay(deps.policy, n + 1, deps.random));
    }
  }
}
