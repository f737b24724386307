/**
 * When the main thread sheds a flow batch's shadow work (issue 10, part 6: under pressure, shadow work
 * is shed first). Shadow candidates score in the same worker task as the primary, after it, so their
 * time lengthens the batch's round trip and delays every batch queued behind it at that thread: that is
 * what must not happen under pressure. Pressure is read when the batch is formed, as either of:
 *
 * - a backlog: rows stayed behind in the lane's batcher, so the batch was full and more are waiting;
 * - saturation: more batches are in flight across the stage than there are worker threads, so some
 *   batch already waits behind another at its thread.
 *
 * After the last sign of pressure, shadow work stays shed for COOL_DOWN_MS: a backlog that has just
 * drained is the likeliest to come back, and shadow time added at its return is the worst moment for
 * it. Pure, with an injected clock.
 */
import type { Clock } from '../core/clock.ts';

/** What the model stage knows of its load when a flow batch is formed. */
export interface LaneLoad {
  /** Rows left in the lane's batcher once the batch was taken. */
  readonly queuedRows: number;
  /** Batches being scored across the stage, this one included. */
  readonly batchesInFlight: number;
  /** Worker threads. */
  readonly threads: number;
}

export const COOL_DOWN_MS = 1000;

export class ShadowShedding {
  readonly #clock: Clock;
  #pressureAt = Number.NEGATIVE_INFINITY;

  constructor(clock: Clock) {
    this.#clock = clock;
  }

  /** Whether the batch formed under `load` sheds its shadow work. */
  shed(load: LaneLoad): boolean {
    const now = this.#clock.now();
    if (load.queuedRows > 0 || load.batchesInFlight > load.threads) this.#pressureAt = now;
    return now - this.#pressureAt < COOL_DOWN_MS;
  }
}
