/**
 * Sends records in the order they were enqueued, with one send in flight at a time, and retries a failed
 * send (the same records, before anything newer) until the brokers acknowledge it.
 *
 * Why one in flight: kafkajs gives no ordering across concurrent send() calls when one of them retries,
 * and per-key order is a promise of the product. One sendBatch carries everything queued, so throughput
 * comes from batching rather than from concurrent requests. Why retry forever: dropping a record after N
 * failures would lose it; instead the queue grows, the backpressure controller pauses intake, and the
 * stall shows in metrics and logs until the brokers return.
 */
import type { Clock, Scheduler } from '../pipeline/clock.ts';
import type { OutRecord, RecordTransport } from './types.ts';

export interface SenderEntry<T> {
  readonly record: OutRecord;
  readonly token: T;
}

export interface OrderedSenderOptions<T> {
  transport: RecordTransport;
  clock: Clock;
  scheduler: Scheduler;
  /** Most records in one send. */
  maxRecordsPerSend: number;
  /** First retry delay; doubles up to maxRetryDelayMs. */
  retryDelayMs: number;
  maxRetryDelayMs: number;
  onAcked(tokens: readonly T[], sendMs: number): void;
  onSendError(error: unknown, attempt: number, records: number): void;
}

export class OrderedSender<T> {
  readonly #options: OrderedSenderOptions<T>;
  #queue: SenderEntry<T>[] = [];
  #head = 0;
  #sending = false;
  #idleWaiters: (() => void)[] = [];

  constructor(options: OrderedSenderOptions<T>) {
    this.#options = options;
  }

  /** Records waiting to be sent or in the send in flight. */
  get queued(): number {
    return this.#queue.length - this.#head;
  }

  enqueue(entries: readonly SenderEntry<T>[]): void {
    for (const entry of entries) this.#queue.push(entry);
    this.#pump();
  }

  /** Resolves once everything enqueued so far was acknowledged. */
  idle(): Promise<void> {
    if (this.queued === 0 && !this.#sending) return Promise.resolve();
    return new Promise((resolve) => this.#idleWaiters.push(resolve));
  }

  #pump(): void {
    if (this.#sending || this.queued === 0) return;
    this.#sending = true;
    const end = Math.min(this.#queue.length, this.#head + this.#options.maxRecordsPerSend);
    const entries = this.#queue.slice(this.#head, end);
    void this.#sendUntilAcked(entries, 1);
  }

  async #sendUntilAcked(entries: SenderEntry<T>[], attempt: number): Promise<void> {
    const started = this.#options.clock.now();
    try {
      await this.#options.transport.send(entries.map((e) => e.record));
    } catch (error) {
      this.#options.onSendError(error, attempt, entries.length);
      const delay = Math.min(this.#options.maxRetryDelayMs, this.#options.retryDelayMs * 2 ** (attempt - 1));
      this.#options.scheduler.setTimeout(() => void this.#sendUntilAcked(entries, attempt + 1), delay);
      return;
    }
    this.#head += entries.length;
    this.#compact();
    this.#sending = false;
    this.#options.onAcked(
      entries.map((e) => e.token),
      this.#options.clock.now() - started,
    );
    this.#pump();
    if (!this.#sending) this.#wakeIdle();
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
