/**
 * One flow batch's bookkeeping while the executor works through it: each row's context for the hooks,
 * its failure (the first one wins: a row goes to the dead-letter topic once, with the first reason it
 * met), and the time spent per step and per hook. Rows are the request's; a row routed to several
 * models fails as a whole when any of its scorings fails, so its redrive scores it again everywhere.
 */
import type { Clock } from '../core/clock.ts';
import type { DlqReason } from '../errors.ts';
import { keyBytesOf } from '../inference/packed-keys.ts';
import type { ModelDrift, RowFailure, ScoreFlowRequest } from '../inference/protocol.ts';
import type { EventContext, HookEvent } from './hook-api.ts';

/** A row's event on its way through a step; a hook may replace the event. */
export interface Job {
  readonly row: number;
  event: HookEvent;
}

/** Row `row`'s record key as UTF-8, or null. */
export function keyOf(request: Pick<ScoreFlowRequest, 'keyBytes' | 'keyEnds' | 'keyPresent'>, row: number): string | null {
  const key = keyBytesOf(request, row);
  return key === null ? null : Buffer.from(key.buffer, key.byteOffset, key.length).toString('utf8');
}

export class FlowBatch {
  readonly request: ScoreFlowRequest;
  readonly contexts: readonly EventContext[];
  /** Milliseconds per hook name, summed over its calls in the batch. */
  readonly hookMs: Record<string, number> = {};
  decodeMs = 0;
  inferMs = 0;
  /** The drift bin counts of each graph run with training statistics. */
  readonly drift: ModelDrift[] = [];
  readonly #clock: Clock;
  readonly #failures: (RowFailure | undefined)[];

  /** `contexts`: a sibling batch's (sibling()), else built from the request. */
  constructor(request: ScoreFlowRequest, clock: Clock, contexts?: readonly EventContext[]) {
    this.request = request;
    this.#clock = clock;
    this.#failures = new Array<RowFailure | undefined>(request.rows);
    this.contexts =
      contexts ??
      Array.from({ length: request.rows }, (_, i) => ({
        topic: this.topicOf(i),
        partition: request.partitions[i] as number,
        offset: request.offsets[i] as number,
        key: keyOf(request, i),
      }));
  }

  /** The same rows with failures and times of their own: a shadow candidate's, which must not fail a primary row. */
  sibling(): FlowBatch {
    return new FlowBatch(this.request, this.#clock, this.contexts);
  }

  topicOf(row: number): string {
    return this.request.topics[this.request.topicIndex[row] as number] ?? '';
  }

  now(): number {
    return this.#clock.now();
  }

  /** Fails `row` unless it failed already: the first reason is the one the dead-letter record carries. */
  fail(row: number, reason: DlqReason, message: string): void {
    this.#failures[row] ??= { row, reason, message };
  }

  failed(row: number): boolean {
    return this.#failures[row] !== undefined;
  }

  /** The jobs whose rows have not failed. */
  live<J extends Job>(jobs: readonly J[]): J[] {
    return jobs.filter((job) => this.#failures[job.row] === undefined);
  }

  /** Every failure, in row order. */
  failures(): RowFailure[] {
    return this.#failures.filter((f) => f !== undefined);
  }

  /** Runs `fn`, adding its time to `hookMs[hook]` whether it returns or throws. */
  time<T>(hook: string, fn: () => T): T {
    const start = this.#clock.now();
    try {
      return fn();
    } finally {
      this.hookMs[hook] = (this.hookMs[hook] ?? 0) + (this.#clock.now() - start);
    }
  }
}
