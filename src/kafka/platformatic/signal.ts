/**
 * Waiting without spinning: a wake-up signal for the fetch loops, an abortable sleep and the backoff
 * between failed attempts. A loop that has nothing to fetch awaits its Signal; resume, a new
 * assignment, a settled batch or stop() notify it. JavaScript runs one task at a time, so a loop that
 * checks its work and calls wait() in the same synchronous step cannot miss a notify().
 */
import { setTimeout as delay } from 'node:timers/promises';
import { backoffDelay } from '../../core/backoff.ts';

export class Signal {
  #waiters: (() => void)[] = [];

  /** Resolves at the next notify(). */
  wait(): Promise<void> {
    return new Promise((resolve) => this.#waiters.push(resolve));
  }

  notify(): void {
    if (this.#waiters.length === 0) return;
    const waiters = this.#waiters;
    this.#waiters = [];
    for (const wake of waiters) wake();
  }
}

/** Sleeps `ms`, or less when `signal` aborts; never rejects. */
export async function sleep(ms: number, signal: AbortSignal): Promise<void> {
  if (signal.aborted) return;
  await delay(ms, undefined, { signal }).catch(() => undefined);
}

const LOOP_BACKOFF = { initialMs: 100, maxMs: 5000 };

/** 100 ms doubling to 5 s, with jitter (core/backoff.ts): the pause before attempt `failures + 1` of a loop. */
export function backoffMs(failures: number): number {
  return backoffDelay(LOOP_BACKOFF, failures + 1);
}
