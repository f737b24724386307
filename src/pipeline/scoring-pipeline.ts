/**
 * The scoring loop: consumed records are admitted per partition, decoded and mapped, micro-batched per
 * model into the worker pool, released back in offset order per partition (so per-key order holds),
 * sent with acks=all, and only then acknowledged to the offset tracker whose watermark is committed.
 *
 * Invariant (no loss): an offset is committed only when it and every offset below it in its partition
 * was acknowledged by the brokers, as a prediction or a dead-letter record.
 * Invariant (bounded replay and memory): a partition's uncommitted window (committed offset to last
 * admitted) is what a crash would replay and bounds what memory holds; admission stops at the budgets
 * and the backpressure controller pauses partitions against the same numbers.
 */

import { isScorerError } from '../errors.ts';
import type { ModelEntry } from '../inference/types.ts';
import type { CommitOffset, InputBatch, TopicPartition } from '../ingest/types.ts';
import { OrderedSender } from '../sink/ordered-sender.ts';
import type { RecordTransport } from '../sink/types.ts';
import { decodeOrReject, Rejection, screen, toWork } from './admission.ts';
import type { BackpressureController } from './backpressure.ts';
import { type ScoringPool, scoreBatch } from './batch-scorer.ts';
import { MicroBatcher } from './batcher.ts';
import type { Clock, Scheduler } from './clock.ts';
import type { Log } from './log.ts';
import { deadLetterOutgoing, type OutputTarget, predictionOutgoing } from './outcomes.ts';
import { type PartitionState, PartitionTable } from './partition-state.ts';
import type { PipelineMetrics } from './pipeline-metrics.ts';
import type { FeatureExtractor, InputDecoder, InputRoute, ModelRuntime } from './routes.ts';
import type { Outgoing, Work } from './work.ts';

/** What the pipeline asks of the Kafka consumer. */
export interface PartitionControl {
  pause(partitions: readonly TopicPartition[]): void;
  resume(partitions: readonly TopicPartition[]): void;
  commit(offsets: readonly CommitOffset[]): Promise<void>;
}

export interface PipelineOptions {
  models: readonly { entry: ModelEntry; mapper: FeatureExtractor }[];
  inputs: readonly { topic: string; decoder: InputDecoder; model: string }[];
  batching: { maxBatchSize: number; maxDelayMs: number };
  /** Inference threads, and batches each may hold (one running, the rest queued at the thread). */
  inference: { threads: number; depth: number };
  /**
   * Admission hands the event loop back after this many records of one fetch, so that finished
   * batches are collected and the next dispatched while a large fetch is admitted; without it a
   * 5,000-record fetch keeps the main thread for tens of milliseconds while the workers sit idle.
   * Absent: admission runs a fetch to the end in one go (the unit tests' fake scheduler).
   */
  yieldToLoop?: { every: number; yield: () => Promise<void> };
  maxRecordBytes: number;
  target: OutputTarget;
  pool: ScoringPool;
  transport: RecordTransport;
  control: PartitionControl;
  backpressure: BackpressureController;
  /** The budgets admission stops at (the controller pauses against the same ones). */
  budgets: { globalBudget: number; partitionBudget: number };
  /** The sender counts as saturated when this many records wait for it. */
  senderHighWater: number;
  metrics: PipelineMetrics;
  log: Log;
  clock: Clock;
  scheduler: Scheduler;
  /** Wall-clock milliseconds, for lineage timestamps. */
  wallClock: () => number;
}

export class ScoringPipeline {
  readonly #o: PipelineOptions;
  readonly #routes = new Map<string, InputRoute>();
  readonly #table = new PartitionTable();
  readonly #sender: OrderedSender<Outgoing>;
  /** Admitted and not yet acknowledged, all generations: the events memory holds. */
  #inSystem = 0;
  /** Sum of the current generation's uncommitted windows. */
  #uncommitted = 0;
  /** Events of revoked generations still in flight: they hold memory but no longer count for commits. */
  #staleInSystem = 0;
  #stopping = false;
  #admitting: Promise<void> = Promise.resolve();
  #committing: Promise<void> | undefined;
  #emptyWaiters: (() => void)[] = [];

  constructor(options: PipelineOptions) {
    this.#o = options;
    const runtimes = new Map(options.models.map((m) => [m.entry.config.name, this.#runtime(m.entry, m.mapper)]));
    for (const input of options.inputs) {
      const model = runtimes.get(input.model);
      if (!model) throw new Error(`input ${input.topic} routes to model ${input.model}, which is not loaded`);
      this.#routes.set(input.topic, { topic: input.topic, decoder: input.decoder, model });
    }
    this.#sender = new OrderedSender<Outgoing>({
      transport: options.transport,
      clock: options.clock,
      scheduler: options.scheduler,
      maxRecordsPerSend: 2000,
      retryDelayMs: 100,
      maxRetryDelayMs: 5000,
      onAcked: (tokens, ms) => this.#onAcked(tokens, ms),
      onSendError: (error, attempt, records) => {
        options.metrics.recordSendFailure();
        options.log.warn({ err: error, attempt, records }, 'produce failed; retrying the same records');
      },
    });
  }

  #runtime(entry: ModelEntry, mapper: FeatureExtractor): ModelRuntime {
    const { config } = entry;
    const runtime: ModelRuntime = {
      entry,
      id: `${config.name}:${config.version}`,
      mapper,
      batcher: new MicroBatcher<Work>({
        maxBatchSize: config.batching?.maxBatchSize ?? this.#o.batching.maxBatchSize,
        maxDelayMs: config.batching?.maxDelayMs ?? this.#o.batching.maxDelayMs,
        slots: this.#o.inference.threads * this.#o.inference.depth,
        workers: this.#o.inference.threads,
        clock: this.#o.clock,
        scheduler: this.#o.scheduler,
        dispatch: (items, info) => void this.#runBatch(runtime, items, info.oldestEnqueuedAt),
      }),
    };
    return runtime;
  }

  /** Events admitted and not yet acknowledged, across partitions and generations. */
  get inSystem(): number {
    return this.#inSystem;
  }

  /** What the global budget is checked against. */
  get used(): number {
    return this.#uncommitted + this.#staleInSystem;
  }

  get assignedPartitions(): number {
    return this.#table.size;
  }

  // ---- consumer group events -------------------------------------------------------------------

  assign(partitions: readonly TopicPartition[]): void {
    this.#table.assign(partitions);
    this.#o.log.info({ partitions: partitions.map((p) => `${p.topic}[${p.partition}]`) }, 'partitions assigned');
  }

  /** Work already admitted for revoked partitions still runs to the end and is produced (duplicates are
   * bounded by the in-flight budget); only its acknowledgements stop counting toward commits. */
  revokeAll(): void {
    if (this.#table.size === 0) return;
    void this.commit();
    for (const part of this.#table.revokeAll()) {
      this.#uncommitted -= part.uncommitted;
      this.#staleInSystem += part.inSystem;
      this.#o.backpressure.forget(part.key);
      this.#o.metrics.forgetPartition(part.topic, part.partition);
    }
    this.#o.metrics.recordRebalance();
  }

  // ---- intake ----------------------------------------------------------------------------------

  /**
   * Admits records of one fetched batch, in order, up to the budgets. Resolves with the last admitted
   * offset: the consumer resolves only that far, so whatever was not admitted is fetched again after
   * the partition resumes. At least one record is admitted per batch (kafkajs#1599: a partition that
   * never resolved an offset may not be fetched again after a resume).
   */
  admitBatch(batch: InputBatch, heartbeat: () => Promise<void>): Promise<string | undefined> {
    const run = this.#admitBatch(batch, heartbeat);
    this.#admitting = run.then(
      () => undefined,
      () => undefined,
    );
    return run;
  }

  async #admitBatch(batch: InputBatch, heartbeat: () => Promise<void>): Promise<string | undefined> {
    const part = this.#table.get(batch.topic, batch.partition);
    const route = this.#routes.get(batch.topic);
    if (this.#stopping || !part || !route) return undefined;
    part.highWatermark = batch.highWatermark;
    let admitted = 0;
    let last: string | undefined;
    for (const record of batch.records) {
      if (admitted > 0 && this.#overBudget(part)) break;
      const work: Work = { part, offset: Number(record.offset), record, timestamp: Number(record.timestamp) };
      let decoded = this.#decode(route, record.value);
      if (decoded instanceof Promise) decoded = await this.#decodeCold(decoded, route, record.value as Buffer, heartbeat);
      // Stopping while the registry is down: leave the rest unadmitted and unresolved; the next owner
      // of the partition reads it again.
      if (decoded === ABANDON || part.revoked) break;
      this.#uncommitted += part.admit(work.offset);
      this.#inSystem += 1;
      admitted += 1;
      last = record.offset;
      const result = decoded instanceof Rejection ? decoded : toWork(work, route, decoded);
      if (result instanceof Rejection)
        this.#complete(deadLetterOutgoing(this.#o.target, work, result.error.reason, result.error.message, route.model.id, this.#o.wallClock()));
      else route.model.batcher.push(part.key, work);
      if (this.#o.yieldToLoop && admitted % this.#o.yieldToLoop.every === 0) {
        await this.#o.yieldToLoop.yield();
        if (this.#stopping || part.revoked) break;
      }
    }
    this.#release(part);
    this.#o.metrics.recordConsumed(batch.topic, admitted);
    this.evaluateBackpressure();
    return last;
  }

  #overBudget(part: PartitionState): boolean {
    return part.uncommitted >= this.#o.budgets.partitionBudget || this.used >= this.#o.budgets.globalBudget;
  }

  #decode(route: InputRoute, value: Buffer | null): unknown {
    const rejected = screen(value, { maxRecordBytes: this.#o.maxRecordBytes });
    return rejected ? new Rejection(rejected) : decodeOrReject(route, value as Buffer);
  }

  /** The cold path: a schema fetch. Registry outages are retried (with heartbeats), never dead-lettered. */
  async #decodeCold(pending: Promise<unknown>, route: InputRoute, value: Buffer, heartbeat: () => Promise<void>): Promise<unknown> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await pending;
      } catch (error) {
        if (!isScorerError(error) || !error.retryable) throw error;
        if (this.#stopping) return ABANDON;
        this.#o.log.warn({ err: error, attempt, topic: route.topic }, 'schema registry unavailable; retrying');
        await sleep(this.#o.scheduler, Math.min(5000, 100 * 2 ** attempt));
        await heartbeat();
        pending = Promise.resolve().then(() => decodeOrReject(route, value));
      }
    }
  }

  // ---- scoring ---------------------------------------------------------------------------------

  async #runBatch(model: ModelRuntime, items: Work[], oldestEnqueuedAt: number): Promise<void> {
    const started = this.#o.clock.now();
    const timing = { inferMs: 0, batches: 0 };
    const results = await scoreBatch(this.#o.pool, model, items, timing);
    model.batcher.complete(items.length, this.#o.clock.now() - started);
    this.#o.metrics.recordBatch(model.entry.config.name, items.length, timing.inferMs, started - oldestEnqueuedAt);
    // One line per batch, never per message; at the default level this is a no-op costing nanoseconds.
    this.#o.log.debug(
      { model: model.id, rows: items.length, inferMs: timing.inferMs, runs: timing.batches, waitMs: started - oldestEnqueuedAt },
      'batch scored',
    );
    const scoredAt = this.#o.wallClock();
    const touched = new Set<PartitionState>();
    for (const r of results) {
      const outgoing =
        r.failure === undefined
          ? predictionOutgoing(this.#o.target, model, r.work, r.score ?? Number.NaN, r.label, scoredAt)
          : deadLetterOutgoing(this.#o.target, r.work, 'INFERENCE_FAILED', r.failure, model.id, scoredAt);
      this.#complete(outgoing);
      touched.add(r.work.part);
    }
    for (const part of touched) this.#release(part);
  }

  #complete(outgoing: Outgoing): void {
    outgoing.work.part.sequencer.complete(outgoing.work.offset, outgoing);
  }

  /** Hands the partition's finished head run, in offset order, to the sender. */
  #release(part: PartitionState): void {
    const ready = part.sequencer.drain();
    if (ready.length > 0) this.#sender.enqueue(ready.map((o) => ({ record: o.out, token: o })));
  }

  #onAcked(tokens: readonly Outgoing[], sendMs: number): void {
    for (const o of tokens) {
      const part = o.work.part;
      part.inSystem -= 1;
      if (part.revoked) this.#staleInSystem -= 1;
      else part.offsets.ack(o.work.offset);
    }
    this.#inSystem -= tokens.length;
    this.#o.metrics.recordAcked(tokens, sendMs, this.#o.wallClock());
    if (this.#inSystem === 0) this.#wakeEmpty();
    if (this.#shouldCommitEarly()) void this.commit();
    this.evaluateBackpressure();
  }

  /** Commit before the timer when acknowledged-but-uncommitted work eats a quarter of a budget, so
   * commits, not the interval, bound how much a crash replays. */
  #shouldCommitEarly(): boolean {
    if (this.#uncommitted - (this.#inSystem - this.#staleInSystem) >= this.#o.budgets.globalBudget / 4) return true;
    for (const part of this.#table.all()) {
      if (part.ackedUncommitted >= this.#o.budgets.partitionBudget / 4) return true;
    }
    return false;
  }

  // ---- backpressure and commits ----------------------------------------------------------------

  evaluateBackpressure(): void {
    if (this.#stopping) return;
    const partitions = [];
    for (const p of this.#table.all()) partitions.push({ key: p.key, used: p.uncommitted, commitGap: p.offsets.commitGap() });
    const { pause, resume } = this.#o.backpressure.evaluate({
      partitions,
      globalUsed: this.used,
      producerSaturated: this.#sender.queued >= this.#o.senderHighWater,
    });
    if (pause.length > 0) this.#o.control.pause(this.#states(pause));
    if (resume.length > 0) this.#o.control.resume(this.#states(resume));
    this.#o.metrics.recordLoad(this.#inSystem, this.used, this.#o.backpressure.pausedCount);
  }

  #states(keys: readonly string[]): PartitionState[] {
    const states: PartitionState[] = [];
    for (const key of keys) {
      const state = this.#table.byKey(key);
      if (state) states.push(state);
    }
    return states;
  }

  /** Commits every watermark that moved. One commit at a time; a failed one is retried next tick. */
  commit(): Promise<void> {
    this.#committing ??= this.#commitOnce().finally(() => {
      this.#committing = undefined;
    });
    return this.#committing;
  }

  async #commitOnce(): Promise<void> {
    const moved: [PartitionState, number][] = [];
    for (const part of this.#table.all()) {
      const watermark = part.offsets.watermark();
      this.#o.metrics.recordLag(part.topic, part.partition, part.highWatermark - (watermark ?? part.highWatermark), part.offsets.commitGap());
      if (part.advancesTo(watermark)) moved.push([part, watermark]);
    }
    if (moved.length === 0) return;
    try {
      await this.#o.control.commit(moved.map(([p, offset]) => ({ topic: p.topic, partition: p.partition, offset: String(offset) })));
      for (const [part, offset] of moved) {
        const retired = part.markCommitted(offset);
        if (!part.revoked) this.#uncommitted -= retired;
      }
      this.#o.metrics.recordCommit(true);
    } catch (error) {
      this.#o.metrics.recordCommit(false);
      this.#o.log.warn({ err: error, partitions: moved.length }, 'commit failed; will retry');
    }
  }

  // ---- shutdown --------------------------------------------------------------------------------

  /**
   * Stops intake and finishes what is in the system: everything admitted is scored, sent and
   * acknowledged, then the watermarks are committed. Resolves true when it emptied before the deadline.
   */
  async drain(deadlineMs: number): Promise<boolean> {
    this.#stopping = true;
    this.#o.control.pause([...this.#table.all()]);
    await this.#admitting;
    for (const route of this.#routes.values()) route.model.batcher.setDraining(true);
    const emptied = this.#inSystem === 0 || (await Promise.race([this.#whenEmpty().then(() => true), sleep(this.#o.scheduler, deadlineMs).then(() => false)]));
    await this.commit();
    return emptied;
  }

  #whenEmpty(): Promise<void> {
    return new Promise((resolve) => this.#emptyWaiters.push(resolve));
  }

  #wakeEmpty(): void {
    const waiters = this.#emptyWaiters;
    this.#emptyWaiters = [];
    for (const wake of waiters) wake();
  }
}

const ABANDON = Symbol('abandon');

function sleep(scheduler: Scheduler, ms: number): Promise<void> {
  return new Promise((resolve) => {
    scheduler.setTimeout(resolve, ms);
  });
}
