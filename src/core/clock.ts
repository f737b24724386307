/**
 * Time for the pure policy modules (batcher, backpressure, offset tracking): they never read a clock or
 * start a timer themselves, so tests drive them with a fake clock and stay deterministic.
 */

/** Milliseconds from an arbitrary origin; only differences are meaningful. */
export interface Clock {
  now(): number;
}

export interface Scheduler {
  /** Runs `fn` once after `ms`; the returned function cancels it (a no-op once it has run). */
  setTimeout(fn: () => void, ms: number): () => void;
}

/** Monotonic: performance.now() does not jump with wall-clock adjustments, Date.now() does. */
export const systemClock: Clock = {
  now: () => performance.now(),
};

/**
 * Timers stay ref'd on purpose: a batcher waiting out maxDelayMs holds rows that must still go out,
 * so its timer has to keep the process alive.
 */
export const systemScheduler: Scheduler = {
  setTimeout(fn: () => void, ms: number): () => void {
    const timer = setTimeout(fn, Math.max(0, ms));
    return () => clearTimeout(timer);
  },
};
