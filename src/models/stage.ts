/**
 * The model stage: one micro-batcher per served model, batches scored through the worker pool, and
 * every row's outcome handed to delivery: a prediction the worker already encoded (a view of the one
 * buffer the batch came back in), or a dead letter with the reason the worker gave (the record did not
 * decode, did not fit the feature spec, or the model failed on it alone). Nothing here knows partitions
 * beyond the batcher's lanes, or Kafka at all.
 */
import { MicroBatcher } from '../batching/batcher.ts';
import type { OutputSpec } from '../codecs/prediction-encoder.ts';
import type { Clock, Scheduler } from '../core/clock.ts';
import type { Log } from '../core/log.ts';
import { modelId } from '../core/model-id.ts';
import type { Delivery } from '../delivery/delivery.ts';
import { deadLetterOutgoing, type ModelIdentity, type OutputTarget, predictionOutgoing } from '../delivery/outcomes.ts';
import type { Outgoing } from '../delivery/outgoing.ts';
import type { ModelEntry } from '../inference/types.ts';
import { type BatchResults, type ScoringPool, scoreBatch } from './bisect.ts';
import { recordsRequest } from './records-request.ts';
import type { Work } from './work.ts';

/** What intake sees of a served model. */
export interface ModelLane {
  readonly id: string;
  push(work: Work): void;
}

/** Milliseconds the workers spent on one batch, step by step. */
export interface WorkerTimings {
  decodeMs: number;
  inferMs: number;
  encodeMs: number;
}

export interface ModelMetrics {
  /** `cap`: the rows the model's next batch may have (MicroBatcher#batchCap). */
  recordBatch(model: string, rows: number, timings: WorkerTimings, waitMs: number, cap: number): void;
}

export interface ModelStageOptions {
  readonly models: readonly ModelEntry[];
  readonly batching: { readonly maxBatchSize: number; readonly maxDelayMs: number; readonly targetBatchMs: number };
  /** Inference threads, and batches each may hold (one running, the rest queued at the thread). */
  readonly inference: { readonly threads: number; readonly depth: number };
  readonly pool: ScoringPool;
  readonly delivery: Pick<Delivery, 'complete'>;
  readonly target: OutputTarget;
  /** How the workers encode predictions. */
  readonly output: OutputSpec;
  /** The text of a writer schema intake found loaded (the workers decode with it). */
  readonly writerSchema: (schemaId: number) => string;
  readonly metrics: ModelMetrics;
  readonly log: Log;
  readonly clock: Clock;
  readonly scheduler: Scheduler;
  /** Wall-clock milliseconds, for lineage timestamps. */
  readonly wallClock: () => number;
}

interface Runtime extends ModelLane, ModelIdentity {
  readonly batcher: MicroBatcher<Work>;
}

export class ModelStage {
  readonly #o: ModelStageOptions;
  readonly #runtimes = new Map<string, Runtime>();
  #inFlight = 0;
  #idleWaiters: (() => void)[] = [];

  constructor(options: ModelStageOptions) {
    this.#o = options;
    for (const entry of options.models) this.#runtimes.set(entry.config.name, this.#runtime(entry));
  }

  /** The lane of a served model, by name; undefined when it is not served. */
  lane(name: string): ModelLane | undefined {
    return this.#runtimes.get(name);
  }

  /** Batches being scored now. */
  get inFlight(): number {
    return this.#inFlight;
  }

  /**
   * Shutdown: rows not yet handed to a worker are dropped (they were never acknowledged, so the
   * partitions' next owner reads them again), and nothing new is dispatched. Returns how many.
   */
  discardQueued(): number {
    let dropped = 0;
    for (const runtime of this.#runtimes.values()) dropped += runtime.batcher.discard();
    return dropped;
  }

  /** Resolves once no batch is being scored. */
  idle(): Promise<void> {
    if (this.#inFlight === 0) return Promise.resolve();
    return new Promise((resolve) => this.#idleWaiters.push(resolve));
  }

  #runtime(entry: ModelEntry): Runtime {
    const { config } = entry;
    const runtime: Runtime = {
      id: modelId(config.name, config.version),
      name: config.name,
      version: config.version,
      push: (work) => runtime.batcher.push(work.key, work),
      batcher: new MicroBatcher<Work>({
        maxBatchSize: config.batching?.maxBatchSize ?? this.#o.batching.maxBatchSize,
        maxDelayMs: config.batching?.maxDelayMs ?? this.#o.batching.maxDelayMs,
        targetBatchMs: config.batching?.targetBatchMs ?? this.#o.batching.targetBatchMs,
        slots: this.#o.inference.threads * this.#o.inference.depth,
        workers: this.#o.inference.threads,
        clock: this.#o.clock,
        scheduler: this.#o.scheduler,
        dispatch: (items, info) => void this.#run(runtime, items, info.oldestEnqueuedAt),
      }),
    };
    return runtime;
  }

  /** Never rejects: whatever goes wrong, every row gets an outcome and the batcher slot is freed. */
  async #run(runtime: Runtime, items: Work[], oldestEnqueuedAt: number): Promise<void> {
    this.#inFlight++;
    const started = this.#o.clock.now();
    const live = this.#dropRevoked(items);
    let outcomes: Outgoing[] = [];
    let serviceMs: number | undefined;
    const timings: WorkerTimings = { decodeMs: 0, inferMs: 0, encodeMs: 0 };
    try {
      if (live.length > 0) {
        const context = { name: runtime.name, version: runtime.version, output: this.#o.output, writerSchema: this.#o.writerSchema };
        const results = await scoreBatch(this.#o.pool, live, (rows) => recordsRequest(context, rows, this.#o.wallClock()));
        serviceMs = this.#o.clock.now() - started;
        outcomes = this.#outcomes(runtime, results, timings);
      }
    } catch (error) {
      // A bug, not bad input: the rows are kept, in the DLQ, for a redrive.
      this.#o.log.error({ err: error, model: runtime.id, rows: live.length }, 'scoring a batch failed; its records go to the dead-letter topic');
      const now = this.#o.wallClock();
      outcomes = live.map((w) => deadLetterOutgoing(this.#o.target, w, 'INTERNAL_ERROR', `scoring failed: ${messageOf(error)}`, runtime.id, now));
    }
    if (serviceMs === undefined) runtime.batcher.release();
    else {
      runtime.batcher.complete(live.length, serviceMs, timings.decodeMs + timings.inferMs + timings.encodeMs);
      this.#o.metrics.recordBatch(runtime.id, live.length, timings, started - oldestEnqueuedAt, runtime.batcher.batchCap);
      // One line per batch, never per message; at the default level this costs nanoseconds.
      this.#o.log.debug({ model: runtime.id, rows: live.length, ...timings, waitMs: started - oldestEnqueuedAt }, 'batch scored');
    }
    this.#o.delivery.complete(outcomes);
    this.#inFlight--;
    if (this.#inFlight === 0) this.#wakeIdle();
  }

  /** Rows of partitions revoked while they waited are not worth a model run: nobody will send them. */
  #dropRevoked(items: Work[]): Work[] {
    if (!items.some((w) => w.ledger.revoked)) return items;
    const live: Work[] = [];
    for (const w of items) {
      if (w.ledger.revoked) w.ledger.abandon(w.offset);
      else live.push(w);
    }
    return live;
  }

  /** Each row's prediction is a view of its batch's one buffer; each failure keeps the worker's reason. */
  #outcomes(runtime: Runtime, results: BatchResults, timings: WorkerTimings): Outgoing[] {
    const { target } = this.#o;
    const now = this.#o.wallClock();
    const out: Outgoing[] = [];
    for (const { items, reply } of results.parts) {
      timings.decodeMs += reply.decodeMs;
      timings.inferMs += reply.inferMs;
      timings.encodeMs += reply.encodeMs;
      const failures = new Map(reply.failures.map((f) => [f.row, f]));
      let start = 0;
      for (let i = 0; i < items.length; i++) {
        const work = items[i] as Work;
        const end = reply.ends[i] as number;
        const failure = failures.get(i);
        if (failure === undefined)
          out.push(predictionOutgoing(target, runtime, work, Buffer.from(reply.encoded.buffer, reply.encoded.byteOffset + start, end - start)));
        else out.push(deadLetterOutgoing(target, work, failure.reason, failure.message, runtime.id, now));
        start = end;
      }
    }
    for (const { work, crashed, message } of results.failed) {
      out.push(deadLetterOutgoing(target, work, crashed ? 'INFERENCE_FAILED' : 'INTERNAL_ERROR', message, runtime.id, now));
    }
    return out;
  }

  #wakeIdle(): void {
    const waiters = this.#idleWaiters;
    this.#idleWaiters = [];
    for (const wake of waiters) wake();
  }
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
