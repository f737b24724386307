/**
 * One retry delay for every retry loop (the schema registry, the sender, start-up): exponential with
 * "equal jitter", half the capped exponential delay fixed and half drawn at random. Without jitter,
 * replicas that failed together retry together and hit a recovering registry or broker in lockstep.
 */
import type { Scheduler } from './clock.ts';

export interface BackoffPolicy {
  /** The cap of the first retry's delay. */
  readonly initialMs: number;
  /** No delay is longer than this. */
  readonly maxMs: number;
}

/** Delay before retry `attempt` (1 for the first retry): uniform in [cap/2, cap], cap = min(max, initial·2^(attempt-1)). */
export function backoffDelay(policy: BackoffPolicy, attempt: number, random: () => number = Math.random): number {
  const cap = Math.min(policy.maxMs, policy.initialMs * 2 ** Math.max(0, attempt - 1));
  // Half fixed, half random: retries still spread out, but a delay never collapses to nothing.
  return cap / 2 + (random() * cap) / 2;
}

export function sleep(scheduler: Scheduler, ms: number): Promise<void> {
  return new Promise((resolve) => {
    scheduler.setTimeout(resolve, ms);
  });
}

export interface RetryOptions {
  readonly policy: BackoffPolicy;
  readonly scheduler: Scheduler;
  /** Whether this failure is worth another attempt; a false throws it. */
  readonly retryable: (error: unknown) => boolean;
  /** Before each wait, to say why (logs, readiness). */
  readonly onRetry?: (error: unknown, attempt: number, delayMs: number) => void;
  /** Checked before each wait: once true, the last failure is thrown. */
  readonly stopped?: () => boolean;
}

/** Runs `attempt` until it succeeds, waiting a backoffDelay between failures that are retryable. */
export async function retrying<T>(attempt: () => Promise<T>, options: RetryOptions): Promise<T> {
  for (let n = 1; ; n++) {
    try {
      return await attempt();
    } catch (error) {
      if (!options.retryable(error) || options.stopped?.() === true) throw error;
      const delay = backoffDelay(options.policy, n);
      options.onRetry?.(error, n, delay);
      await sleep(options.scheduler, delay);
    }
  }
}
