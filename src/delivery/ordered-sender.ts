/**
 * Sends records in the order they were enqueued, with one send in flight at a time, and retries a failed
 * send (the same records, before anything newer) until the brokers acknowledge it.
 *
 * Why one in flight: neither client orders concurrent sends when one of them retries, and per-key order
 * is a promise of the product. One send carries everything queued, so throughput comes from batching
 * rather than from concurrent requests. Why retry until acknowledged: dropping a record after N failures
 * would lose it; instead the queue grows, the backpressure controller pauses intake, and the stall shows
 * in metrics and logs until the brokers return. Only stop() ends the retrying, at shutdown.
 *
 * Pacing (minIntervalMs, exactly-once): a send may also begin no sooner than minIntervalMs after the
 * previous one began, unless a full send is waiting. Each exactly-once send is a transaction, whose cost
 * (coordinator round trips, a marker in every partition it wrote) does not depend on its size, so at low
 * rates pacing makes fewer, larger transactions for at most that much latency; at high rates full sends
 * go at once and pacing never waits.
 */
import { type BackoffPolicy, backoffDelay } from '../core/backoff.ts';
import type { Clock, Scheduler } from '../core/clock.ts';
import type { OutgoingRecord } from '../kafka/client.ts';
import { itemsWithin } from './send-size.ts';

export interface RecordTransport<T = unknown> {
  /**
   * Resolves once the brokers acknowledged every record. `items` are what the records were made from,
   * in the same order (a transactional transport reads their input offsets); a plain producer ignores them.
   */
  send(records: readonly OutgoingRecord[], items: readonly T[]): Promise<void>;
}

export interface OrderedSenderOptions<T> {
  readonly transport: RecordTransport<T>;
  /** The records `items` stand for, in order (an item may stand for several). */
  readonly recordsOf: (items: readonly T[]) => OutgoingRecord[];
  readonly clock: Clock;
  readonly scheduler: Scheduler;
  /** Most records in one send. */
  readonly maxRecordsPerSend: number;
  /** Most bytes in one send (send-size.ts), by `bytesOf` each item; absent: counts alone. */
  readonly maxBytesPerSend?: { readonly bytes: number; readonly bytesOf: (item: T) => number };
  /** A send that is not full begins no sooner than this after the previous one began; absent: at once. */
  readonly minIntervalMs?: number;
  readonly retry: BackoffPolicy;
  readonly onAcked: (items: readonly T[], sendMs: number) => void;
  readonly onSendError: (error: unknown, attempt: number, records: number) => void;
}

export class OrderedSender<T> {
  readonly #o: OrderedSenderOptions<T>;
  #queue: T[] = [];
  #head = 0;
  /** The attempt on the wire, or the wait before the next one. */
  #inFlight: Promise<void> | undefined;
  #cancelRetry: (() => void) | undefined;
  /** Set while a send that is not full waits for minIntervalMs to pass. */
  #cancelPace: (() => void) | undefined;
  #lastStart = Number.NEGATIVE_INFINITY;
  #stopped = false;
  #idleWaiters: (() => void)[] = [];

  constructor(options: OrderedSenderOptions<T>) {
    this.#o = options;
  }

  /** Records waiting to be sent or in the send in flight. */
  get queued(): number {
    return this.#queue.length - this.#head;
  }

  enqueue(items: readonly T[]): void {
    for (const item of items) this.#queue.push(item);
    this.#pump();
  }

  /** Resolves once everything enqueued so far was acknowledged (never, while the brokers are down). */
  idle(): Promise<void> {
    if (this.queued === 0 && this.#inFlight === undefined) return Promise.resolve();
    return new Promise((resolve) => this.#idleWaiters.push(resolve));
  }

  /**
   * No new send and no retry after this; resolves once the attempt on the wire (if any) has settled,
   * so the producer is never closed under a send in flight.
   */
  async stop(): Promise<void> {
    this.#stopped = true;
    this.#cancelRetry?.();
    this.#cancelRetry = undefined;
    this.#cancelPace?.();
    this.#cancelPace = undefined;
    await this.#inFlight;
  }

  #pump(): void {
    if (this.#inFlight !== undefined || this.queued === 0 || this.#stopped) return;
    const full = this.queued >= this.#o.maxRecordsPerSend;
    const waitMs = this.#lastStart + (this.#o.minIntervalMs ?? 0) - this.#o.clock.now();
    if (!full && waitMs > 0) {
      this.#cancelPace ??= this.#o.scheduler.setTimeout(() => {
        this.#cancelPace = undefined;
        this.#pump();
      }, waitMs);
      return;
    }
    this.#cancelPace?.();
    this.#cancelPace = undefined;
    this.#lastStart = this.#o.clock.now();
    const budget = this.#o.maxBytesPerSend;
    const take =
      budget === undefined
        ? Math.min(this.queued, this.#o.maxRecordsPerSend)
        : itemsWithin(this.queued, this.#o.maxRecordsPerSend, budget.bytes, (i) => budget.bytesOf(this.#queue[this.#head + i] as T));
    this.#inFlight = this.#attempt(this.#queue.slice(this.#head, this.#head + take), 1);
  }

  async #attempt(items: T[], attempt: number): Promise<void> {
    // Yield first, so #inFlight is assigned before anything here can reset it (a transport that throws
    // synchronously would otherwise leave a settled promise in #inFlight and the sender stuck).
    await undefined;
    const started = this.#o.clock.now();
    try {
      await this.#o.transport.send(this.#o.recordsOf(items), items);
    } catch (error) {
      this.#o.onSendError(error, attempt, items.length);
      if (!this.#stopped) this.#retryLater(items, attempt);
      else this.#settle();
      return;
    }
    this.#head += items.length;
    this.#compact();
    this.#settle();
    this.#o.onAcked(items, this.#o.clock.now() - started);
    this.#pump();
    if (this.#inFlight === undefined) this.#wakeIdle();
  }

  #retryLater(items: T[], attempt: number): void {
    this.#inFlight = new Promise<void>((resolve) => {
      this.#cancelRetry = this.#o.scheduler.setTimeout(
        () => {
          this.#cancelRetry = undefined;
          resolve(this.#attempt(items, attempt + 1));
        },
        backoffDelay(this.#o.retry, attempt),
      );
      // stop() cancels the timer; the promise must still settle for whoever awaits it.
      const cancel = this.#cancelRetry;
      this.#cancelRetry = () => {
        cancel();
        this.#settle();
        resolve();
      };
    });
  }

  #settle(): void {
    this.#inFlight = undefined;
  }

  /** Drop the acknowledged prefix once it dominates the array, so the queue does not grow forever. */
  #compact(): void {
    if (this.#head > 4096 && this.#head * 2 > this.#queue.length) {
      this.#queue = this.#queue.slice(this.#head);
      this.#head = 0;
    }
  }

  #wakeIdle(): void {
    const waiters = this.#idleWaiters;
    this.#idleWaiters = [];
    for (const wake of waiters) wake();
  }
}
