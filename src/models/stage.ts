/**
 * The model stage: one micro-batcher per served model, batches scored through the worker pool, and
 * every row's outcome (a prediction, or a dead letter when the model failed on it alone) handed to
 * delivery. Nothing here knows partitions beyond the batcher's lanes, or Kafka at all.
 */
import { MicroBatcher } from '../batching/batcher.ts';
import type { FeatureMapper, FeatureRow } from '../codecs/features.ts';
import type { Clock, Scheduler } from '../core/clock.ts';
import type { Log } from '../core/log.ts';
import { modelId } from '../core/model-id.ts';
import type { Delivery } from '../delivery/delivery.ts';
import { deadLetterOutgoing, type ModelIdentity, type OutputTarget, predictionOutgoing } from '../delivery/outcomes.ts';
import type { Outgoing } from '../delivery/outgoing.ts';
import { isScorerError } from '../errors.ts';
import type { ModelEntry } from '../inference/types.ts';
import { type RowResult, type ScoringPool, scoreBatch } from './bisect.ts';
import type { Work } from './work.ts';

/** What intake sees of a served model. */
export interface ModelLane {
  readonly id: string;
  /** Throws RecordError when the event cannot feed the model. */
  extract(event: unknown): FeatureRow;
  push(work: Work): void;
}

export interface ModelMetrics {
  recordBatch(model: string, rows: number, inferMs: number, waitMs: number): void;
}

export interface ModelStageOptions {
  readonly models: readonly { readonly entry: ModelEntry; readonly mapper: FeatureMapper }[];
  readonly batching: { readonly maxBatchSize: number; readonly maxDelayMs: number };
  /** Inference threads, and batches each may hold (one running, the rest queued at the thread). */
  readonly inference: { readonly threads: number; readonly depth: number };
  readonly pool: ScoringPool;
  readonly delivery: Pick<Delivery, 'complete'>;
  readonly target: OutputTarget;
  readonly metrics: ModelMetrics;
  readonly log: Log;
  readonly clock: Clock;
  readonly scheduler: Scheduler;
  /** Wall-clock milliseconds, for lineage timestamps. */
  readonly wallClock: () => number;
}

interface Runtime extends ModelLane, ModelIdentity {
  readonly entry: ModelEntry;
  readonly config: ModelEntry['config'];
  readonly mapper: FeatureMapper;
  readonly batcher: MicroBatcher<Work>;
}

export class ModelStage {
  readonly #o: ModelStageOptions;
  readonly #runtimes = new Map<string, Runtime>();
  #inFlight = 0;
  #idleWaiters: (() => void)[] = [];

  constructor(options: ModelStageOptions) {
    this.#o = options;
    for (const { entry, mapper } of options.models) this.#runtimes.set(entry.config.name, this.#runtime(entry, mapper));
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

  #runtime(entry: ModelEntry, mapper: FeatureMapper): Runtime {
    const { config } = entry;
    const runtime: Runtime = {
      entry,
      config,
      mapper,
      id: modelId(config.name, config.version),
      name: config.name,
      version: config.version,
      extract: (event) => mapper.extract(event),
      push: (work) => runtime.batcher.push(work.key, work),
      batcher: new MicroBatcher<Work>({
        maxBatchSize: config.batching?.maxBatchSize ?? this.#o.batching.maxBatchSize,
        maxDelayMs: config.batching?.maxDelayMs ?? this.#o.batching.maxDelayMs,
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
    const timing = { inferMs: 0, runs: 0 };
    let outcomes: Outgoing[] = [];
    let serviceMs: number | undefined;
    try {
      if (live.length > 0) {
        const results = await scoreBatch(this.#o.pool, runtime, live, timing);
        serviceMs = this.#o.clock.now() - started;
        outcomes = this.#outcomes(runtime, results);
      }
    } catch (error) {
      // A bug, not bad input (a pack or pool failure): the rows are kept, in the DLQ, for a redrive.
      this.#o.log.error({ err: error, model: runtime.id, rows: live.length }, 'scoring a batch failed; its records go to the dead-letter topic');
      const now = this.#o.wallClock();
      outcomes = live.map((w) => deadLetterOutgoing(this.#o.target, w, 'INTERNAL_ERROR', `scoring failed: ${messageOf(error)}`, runtime.id, now));
    }
    if (serviceMs === undefined) runtime.batcher.release();
    else {
      runtime.batcher.complete(live.length, serviceMs);
      this.#o.metrics.recordBatch(runtime.id, live.length, timing.inferMs, started - oldestEnqueuedAt);
      // One line per batch, never per message; at the default level this costs nanoseconds.
      this.#o.log.debug(
        { model: runtime.id, rows: live.length, inferMs: timing.inferMs, runs: timing.runs, waitMs: started - oldestEnqueuedAt },
        'batch scored',
      );
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

  /** A prediction that does not fit the output schema goes to the DLQ alone (ENCODE_FAILED), with the reason. */
  #outcomes(runtime: Runtime, results: readonly RowResult[]): Outgoing[] {
    const { target } = this.#o;
    const scoredAt = this.#o.wallClock();
    const out: Outgoing[] = [];
    for (const r of results) {
      if (r.failure !== undefined) {
        out.push(deadLetterOutgoing(target, r.work, 'INFERENCE_FAILED', r.failure, runtime.id, scoredAt));
        continue;
      }
      try {
        out.push(predictionOutgoing(target, runtime, r.work, r.score ?? Number.NaN, r.label, scoredAt));
      } catch (error) {
        if (!isScorerError(error, 'SCORER_ERR_ENCODE')) throw error;
        out.push(deadLetterOutgoing(target, r.work, 'ENCODE_FAILED', error.message, runtime.id, scoredAt));
      }
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
