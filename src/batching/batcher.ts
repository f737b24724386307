/**
 * Worker-driven micro-batching, as Triton does it (notes §1, §6.1): a batch is formed only when a worker
 * slot is free. It goes at once if enough rows are queued to keep up with the arrival rate, else it waits
 * for the first of: enough rows, the oldest row having waited maxDelayMs. At low load the smallest
 * sufficient batch is 1, so a lone row is not held back; under load batches grow on their own.
 *
 * How far they grow follows the model rather than a number fixed per model: with targetBatchMs the cap is
 * the largest batch whose predicted compute time fits in it, never above maxBatchSize. Compute time is
 * what the worker itself spent (a line of its own): the round trip also counts the wait behind the batch
 * a worker already holds, which would halve the cap exactly when the model is saturated.
 * A cheap model (the fraud trees, ~3 µs a row) reaches maxBatchSize; an expensive one (the heavy MLP)
 * stops where a batch would hold its rows, and every row queued behind it, longer than the target.
 */

import type { Clock, Scheduler } from '../core/clock.ts';
import { ScorerError } from '../errors.ts';
import { ArrivalRate } from './arrival-rate.ts';
import { BatchTimeModel } from './batch-time-model.ts';
import { RoundRobinLanes } from './lanes.ts';
import type { SlotGate, SlotSeat } from './slot-gate.ts';

export interface BatchInfo {
  /** Clock time at which the batch's oldest row was pushed. */
  oldestEnqueuedAt: number;
}

export interface BatcherOptions<T> {
  /** The hard cap on rows per batch. */
  maxBatchSize: number;
  /** Service time a batch may take, ms: the cap follows the batch-time line (see the header). @defaultValue none: the cap is maxBatchSize */
  targetBatchMs?: number;
  maxDelayMs: number;
  /** At most this many batches in flight. */
  slots: number;
  /**
   * Batches that actually run at once (worker threads), for the smallest-sufficient-batch formula.
   * Fewer than slots when each worker also holds a queued batch. @defaultValue slots
   */
  workers?: number;
  clock: Clock;
  scheduler: Scheduler;
  /**
   * Called synchronously when a batch is formed; it owns the rows from then on and must call complete()
   * (or release()) exactly once per batch. It may push or complete re-entrantly. It must not throw.
   */
  dispatch(items: T[], info: BatchInfo): void;
  /** Batch time model; pass one to seed or share it. @defaultValue a new BatchTimeModel() */
  model?: BatchTimeModel;
  /** Worker compute time per batch, for the cap. @defaultValue a new BatchTimeModel() */
  computeModel?: BatchTimeModel;
  /** The worker slots this batcher shares with the other lanes; absent: its own `slots` only. */
  gate?: SlotGate;
  /** Window over which arrivals are counted. @defaultValue 50 */
  rateWindowMs?: number;
  /** Half-life of the arrival-rate average. @defaultValue 500 */
  rateHalfLifeMs?: number;
}

export class MicroBatcher<T> {
  readonly #maxBatchSize: number;
  readonly #targetBatchMs: number | undefined;
  readonly #maxDelayMs: number;
  readonly #slots: number;
  readonly #seat: SlotSeat | undefined;
  readonly #workers: number;
  readonly #clock: Clock;
  readonly #scheduler: Scheduler;
  readonly #dispatch: (items: T[], info: BatchInfo) => void;
  readonly #model: BatchTimeModel;
  readonly #compute: BatchTimeModel;
  readonly #rate: ArrivalRate;
  readonly #lanes = new RoundRobinLanes<T>();
  #inFlight = 0;
  /** After discard(): shutdown, nothing is queued or dispatched any more. */
  #discarded = false;
  /** Enqueue time of the oldest queued row; Infinity when none. */
  #oldestAt = Infinity;
  #cancelTimer: (() => void) | undefined;
  #pumping = false;
  #pumpAgain = false;

  constructor(options: BatcherOptions<T>) {
    const { maxBatchSize, maxDelayMs, slots } = options;
    const valid = Number.isInteger(maxBatchSize) && maxBatchSize >= 1 && Number.isInteger(slots) && slots >= 1;
    if (!valid || !(maxDelayMs >= 0) || !(options.targetBatchMs === undefined || options.targetBatchMs > 0)) {
      const message = 'batcher needs integer maxBatchSize >= 1, slots >= 1, maxDelayMs >= 0, targetBatchMs > 0';
      throw new ScorerError('SCORER_ERR_INVARIANT', message, { details: { maxBatchSize, maxDelayMs, slots, targetBatchMs: options.targetBatchMs } });
    }
    this.#maxBatchSize = maxBatchSize;
    this.#targetBatchMs = options.targetBatchMs;
    this.#maxDelayMs = maxDelayMs;
    this.#slots = slots;
    this.#seat = options.gate?.seat(() => this.#pump());
    this.#workers = Math.min(slots, Math.max(1, options.workers ?? slots));
    this.#clock = options.clock;
    this.#scheduler = options.scheduler;
    this.#dispatch = options.dispatch;
    this.#model = options.model ?? new BatchTimeModel();
    this.#compute = options.computeModel ?? new BatchTimeModel();
    this.#rate = new ArrivalRate(options.rateWindowMs, options.rateHalfLifeMs);
  }

  /** Queues a row; `lane` is its partition key. Order within a lane is kept. */
  push(lane: string, item: T): void {
    if (this.#discarded) return;
    const now = this.#clock.now();
    if (this.#lanes.size === 0) this.#oldestAt = now;
    this.#lanes.push(lane, now, item);
    this.#rate.record(now);
    if (this.#inFlight < this.#slots) this.#pump();
  }

  /**
   * A dispatched batch finished: frees its slot and teaches the models its service time (the round trip)
   * and its compute time (the worker's own; the round trip when not known).
   */
  complete(rows: number, serviceMs: number, computeMs = serviceMs): void {
    this.#model.record(rows, serviceMs);
    this.#compute.record(rows, computeMs);
    this.release();
  }

  /** Frees a slot without a timing sample (a failed or abandoned batch). */
  release(): void {
    if (this.#inFlight === 0) throw new ScorerError('SCORER_ERR_INVARIANT', 'batch completed with none in flight');
    this.#inFlight--;
    // The gate first: a lane waiting for a slot takes the freed one before this lane forms its next batch.
    this.#seat?.release();
    this.#pump();
  }

  /**
   * Shutdown: drops every queued row and dispatches nothing from now on; batches in flight still
   * complete. Returns how many rows were dropped. Finishing only what the workers already hold is what
   * keeps a shutdown under an overload within its deadline.
   */
  discard(): number {
    const dropped = this.#lanes.clear();
    this.#discarded = true;
    this.#oldestAt = Infinity;
    this.#disarmTimer();
    return dropped;
  }

  get queued(): number {
    return this.#lanes.size;
  }

  get inFlight(): number {
    return this.#inFlight;
  }

  get model(): BatchTimeModel {
    return this.#model;
  }

  /** Smoothed arrival rate, rows per second. */
  get arrivalRate(): number {
    return this.#rate.perMs() * 1000;
  }

  /** The most rows a batch may have now: maxBatchSize, or less where targetBatchMs says so (header). */
  get batchCap(): number {
    if (this.#targetBatchMs === undefined) return this.#maxBatchSize;
    return Math.min(this.#maxBatchSize, Math.max(1, this.#compute.rowsWithin(this.#targetBatchMs)));
  }

  /**
   * The smallest batch that keeps up with the arrival rate λ on `workers` workers with s(b) = α + βb:
   * c·b / (α + βb) ≥ λ  ⇔  b ≥ λα / (c − λβ) (notes §5); the cap when no batch size keeps up.
   */
  get minBatchSize(): number {
    const cap = this.batchCap;
    const lambda = this.#rate.perMs();
    if (lambda <= 0) return 1;
    const spare = this.#workers - lambda * this.#model.beta;
    if (spare <= 0) return cap;
    const b = Math.ceil((lambda * this.#model.alpha) / spare);
    return Math.min(cap, Math.max(1, b));
  }

  /** Re-entrant calls (from dispatch, or push/complete inside it) only ask the running loop to go again. */
  #pump(): void {
    if (this.#pumping) {
      this.#pumpAgain = true;
      return;
    }
    this.#pumping = true;
    try {
      do {
        this.#pumpAgain = false;
        this.#formBatches();
      } while (this.#pumpAgain);
    } finally {
      this.#pumping = false;
    }
  }

  #formBatches(): void {
    while (this.#inFlight < this.#slots && this.#lanes.size > 0 && !this.#discarded) {
      // Beyond one batch per worker only a full batch may go ahead and queue at a worker: a partial one
      // would leave smaller than worker-driven batching makes it once a worker frees. Measured on the
      // heavy MLP, where a call costs about a millisecond at any size, queueing the smallest sufficient
      // batch kept the worker at the edge of its capacity and the backlog grew at 10,000 events/s.
      if (this.#inFlight >= this.#workers && this.#lanes.size < this.batchCap) return;
      const waited = this.#clock.now() - this.#oldestAt;
      if (waited < this.#maxDelayMs && this.#lanes.size < this.minBatchSize) {
        this.#armTimer(this.#maxDelayMs - waited);
        return;
      }
      if (this.#seat !== undefined && !this.#seat.tryAcquire()) return; // woken when a slot frees
      this.#dispatchOne();
    }
  }

  /** The only way out of waiting (rows leave, a slot fills), so the only place the timer is disarmed. */
  #dispatchOne(): void {
    this.#disarmTimer(); // it was set for the oldest row, which is about to leave
    const items: T[] = [];
    const oldestEnqueuedAt = this.#lanes.take(this.batchCap, items);
    this.#oldestAt = this.#lanes.oldest();
    this.#inFlight++;
    this.#dispatch(items, { oldestEnqueuedAt });
  }

  /** A timer already armed is for the same oldest row: any dispatch since would have disarmed it. */
  #armTimer(ms: number): void {
    if (this.#cancelTimer !== undefined) return;
    this.#cancelTimer = this.#scheduler.setTimeout(() => {
      this.#cancelTimer = undefined;
      this.#pump();
    }, ms);
  }

  #disarmTimer(): void {
    const cancel = this.#cancelTimer;
    if (cancel === undefined) return;
    this.#cancelTimer = undefined;
    cancel();
  }
}
