/**
 * The intake stage: takes fetched batches from the consumer, screens each record and checks its format
 * (the inference workers decode it, off this thread), routes it
 * to its model (or straight to the dead-letter topic), and keeps one ledger per owned partition. It
 * admits records only while the budgets allow and pauses partitions through the backpressure
 * controller, so memory stays bounded and the backlog waits in Kafka.
 */
import type { InputFormat, Readiness } from '../codecs/input-format.ts';
import { type BackoffPolicy, retrying } from '../core/backoff.ts';
import type { Scheduler } from '../core/clock.ts';
import type { Log } from '../core/log.ts';
import type { PipelineTracing, RecordTrace } from '../core/trace.ts';
import type { Committer } from '../delivery/committer.ts';
import type { Delivery } from '../delivery/delivery.ts';
import { deadLetterOutgoing, type InputOrigin, type OutputTarget } from '../delivery/outcomes.ts';
import type { Outgoing } from '../delivery/outgoing.ts';
import { isScorerError, RecordError } from '../errors.ts';
import type { Assignment, ConsumedRecord, FetchedBatch, GroupConsumer, TopicPartition } from '../kafka/client.ts';
import type { ModelLane } from '../models/stage.ts';
import type { Work } from '../models/work.ts';
import type { BackpressureController, PauseReason } from './backpressure.ts';
import { LagSeconds } from './lag-seconds.ts';
import type { PartitionLedger } from './ledger.ts';
import type { PartitionTable } from './partition-table.ts';
import { screen } from './screen.ts';

export interface InputRoute {
  readonly format: InputFormat;
  readonly model: ModelLane;
}

export interface IntakeMetrics {
  recordConsumed(topic: string, records: number): void;
  /** inSystem: events held in memory; used: the uncommitted window checked against the budget. */
  recordLoad(inSystem: number, used: number, pausedByReason: ReadonlyMap<PauseReason, number>): void;
  /** `lagSeconds` undefined: not known yet (no rate measured). */
  recordLag(topic: string, partition: number, lagRecords: number, lagSeconds: number | undefined): void;
  recordRebalance(): void;
  forgetPartition(topic: string, partition: number): void;
}

export interface IntakeOptions {
  /** By input topic. */
  readonly routes: ReadonlyMap<string, InputRoute>;
  readonly table: PartitionTable;
  readonly backpressure: BackpressureController;
  readonly control: Pick<GroupConsumer, 'pause' | 'resume'>;
  readonly delivery: Pick<Delivery, 'complete' | 'queued'>;
  readonly committer: Pick<Committer, 'commitOffsets'>;
  readonly target: OutputTarget;
  readonly maxRecordBytes: number;
  /** The sender counts as saturated when this many records wait for it. */
  readonly senderHighWater: number;
  /** Retry of a schema fetch while the registry is unreachable. */
  readonly registryRetry: BackoffPolicy;
  /**
   * Admission hands the event loop back after this many records of one fetch, so that finished
   * batches are collected and the next dispatched while a large fetch is admitted; without it a
   * 5,000-record fetch keeps the main thread for tens of milliseconds while the workers sit idle.
   * Absent: a fetch is admitted in one go (the unit tests' fake scheduler).
   */
  readonly yieldToLoop?: { readonly every: number; readonly yield: () => Promise<void> };
  /**
   * How a planned revocation ends. `awaited`: the consumer gives the partitions up only once revoked()
   * settles (GroupConsumer.awaitsRevocation), so their work in flight may finish first, for at most
   * `budgetMs`. Absent or not awaited: what was acknowledged is committed at once and the rest dropped.
   */
  readonly revocation?: { readonly awaited: boolean; readonly budgetMs: number };
  /**
   * What each fetched record is admitted as; absent: itself, with its own topic and partition as lineage.
   * The redrive command (src/redrive) admits a dead letter as the record it once was.
   */
  readonly presenter?: RecordPresenter;
  /** A bug surfaced while admitting (never bad input): the service stops rather than guess. */
  readonly onFatal: (error: unknown) => void;
  readonly metrics: IntakeMetrics;
  /** tracing.enabled: each admitted record's trace context (core/trace.ts); absent: none is read. */
  readonly tracing?: PipelineTracing | undefined;
  readonly log: Log;
  readonly scheduler: Scheduler;
  /** Wall-clock milliseconds, for DLQ timestamps. */
  readonly wallClock: () => number;
}

/**
 * A record as the model stage and delivery should see it. `record.offset`, `topic` and `partition` are its
 * lineage (what predictions and dead letters name); the fetched offset stays the ledger's position.
 */
export interface Presented {
  readonly topic: string;
  readonly partition: number;
  readonly record: ConsumedRecord;
}

export interface RecordPresenter {
  /** Undefined: the record is passed over (consumed, never admitted, so it holds no budget). */
  present(batch: TopicPartition, record: ConsumedRecord): Presented | undefined;
}

/** `shown` absent: the fetched record as itself (no object allocated for it on the hot path). */
function admitted(ledger: PartitionLedger, fetched: ConsumedRecord, shown: Presented | undefined, schemaId: number, trace: RecordTrace | undefined): Work {
  const record = shown?.record ?? fetched;
  const topic = shown?.topic ?? ledger.topic;
  const partition = shown?.partition ?? ledger.partition;
  return { ledger, key: ledger.key, topic, partition, offset: fetched.offset, timestamp: record.timestamp, record, schemaId, trace };
}

/** Nothing of this ledger awaits acknowledgement, or it ended: a revocation need not wait for it. */
const settled = (ledger: PartitionLedger): boolean => ledger.revoked || ledger.inFlight === 0;

/** Stop admitting: stopping while the registry is down leaves the rest unadmitted, for the next owner. */
const ABANDON = Symbol('abandon');

/** A revocation waiting for its partitions' work in flight (see Intake.revoked). */
interface Finishing {
  readonly ledgers: readonly PartitionLedger[];
  readonly done: (finished: boolean) => void;
}

export class Intake {
  readonly #o: IntakeOptions;
  #stopping = false;
  #admitting: Promise<unknown> = Promise.resolve();
  #batches = 0;
  readonly #finishing = new Set<Finishing>();
  readonly #lagSeconds = new LagSeconds();

  constructor(options: IntakeOptions) {
    this.#o = options;
  }

  get inSystem(): number {
    return this.#o.table.inSystem;
  }

  // ---- group membership --------------------------------------------------------------------------

  assigned(partitions: readonly Assignment[]): void {
    this.#o.table.assign(partitions);
    this.#o.log.info({ partitions: partitions.map((p) => `${p.topic}[${p.partition}]`) }, 'partitions assigned');
    this.evaluateBackpressure();
  }

  /**
   * A planned rebalance takes these partitions away (the others are untouched). What was acknowledged is
   * committed at once: that much is sent even by a consumer that does not wait. Where the consumer waits
   * (revocation.awaited), the partitions then admit nothing more, the work in flight for them (queued in
   * the batcher, in the workers, with the sender) finishes, and exactly the acknowledged watermark is
   * committed before the promise settles, so the next owner replays nothing. Past revocation.budgetMs
   * the unfinished rest is dropped, and the next owner reads it again.
   */
  async revoked(partitions: readonly Assignment[]): Promise<void> {
    const ledgers = this.#current(partitions);
    const names = ledgers.map((l) => `${l.topic}[${l.partition}]`);
    const revocation = this.#o.revocation;
    if (revocation === undefined || !revocation.awaited) {
      const ended = this.#end(ledgers);
      this.#o.log.info({ partitions: names }, 'partitions revoked; work in flight for them is dropped (the client does not wait)');
      return this.#o.committer.commitOffsets(this.#o.table.watermarksOf(ended));
    }
    const started = this.#o.wallClock();
    for (const ledger of ledgers) ledger.close();
    const held = ledgers.reduce((sum, l) => sum + l.inFlight, 0);
    const early = this.#o.committer.commitOffsets(this.#o.table.watermarksOf(ledgers));
    const finished = await this.#finish(ledgers, revocation.budgetMs);
    await early;
    // Lost meanwhile (the session expired, the member was fenced): those may commit nothing more.
    const ended = this.#end(ledgers.filter((l) => !l.revoked));
    const unfinished = ended.reduce((sum, l) => sum + l.inFlight, 0);
    await this.#o.committer.commitOffsets(this.#o.table.watermarksOf(ended));
    const fields = { partitions: names, finishedRecords: held - unfinished, waitedMs: this.#o.wallClock() - started };
    if (finished) this.#o.log.info(fields, 'partitions revoked; their work in flight finished and was committed');
    else {
      this.#o.log.warn(
        { ...fields, unfinishedRecords: unfinished, budgetMs: revocation.budgetMs },
        'partitions revoked before their work in flight finished (kafka.consumer.revocationBudgetMs); the next owner replays the rest',
      );
    }
  }

  /** Ownership already ended elsewhere: nothing of theirs may be committed any more. */
  lost(partitions: readonly Assignment[]): void {
    const ledgers = this.#end(this.#current(partitions));
    this.#o.log.warn({ partitions: ledgers.map((l) => `${l.topic}[${l.partition}]`) }, 'partitions lost; their uncommitted work will be replayed');
    this.#checkFinishing();
  }

  /** The ledgers of these partitions' named ownerships that still run. */
  #current(partitions: readonly Assignment[]): PartitionLedger[] {
    const out: PartitionLedger[] = [];
    for (const p of partitions) {
      const ledger = this.#o.table.get(p);
      if (ledger !== undefined && ledger.epoch === p.epoch && !ledger.revoked) out.push(ledger);
    }
    return out;
  }

  /** Resolves true once every ledger holds nothing unacknowledged (or ended), false at the budget. */
  #finish(ledgers: readonly PartitionLedger[], budgetMs: number): Promise<boolean> {
    if (this.#stopping || ledgers.every(settled)) return Promise.resolve(ledgers.every(settled));
    return new Promise<boolean>((resolve) => {
      const cancel = this.#o.scheduler.setTimeout(() => entry.done(false), budgetMs);
      const entry: Finishing = {
        ledgers,
        done: (finished) => {
          cancel();
          this.#finishing.delete(entry);
          resolve(finished);
        },
      };
      this.#finishing.add(entry);
    });
  }

  #checkFinishing(): void {
    for (const entry of this.#finishing) if (entry.ledgers.every(settled)) entry.done(true);
  }

  /** The final watermarks are read after the ledgers end (they release nothing more), so a revocation still commits them. */
  #end(owned: readonly PartitionLedger[]): PartitionLedger[] {
    const ledgers = this.#o.table.revoke(owned);
    for (const ledger of ledgers) {
      this.#o.backpressure.forget(ledger.key);
      this.#o.metrics.forgetPartition(ledger.topic, ledger.partition);
    }
    if (ledgers.length > 0) this.#o.metrics.recordRebalance();
    return ledgers;
  }

  // ---- admission ---------------------------------------------------------------------------------

  /**
   * Admits records of one fetched batch, in order, up to the budgets; resolves with how many were
   * taken (the rest is fetched again after the partition resumes). At least one record is taken per
   * batch while running, so every client's position always moves (kafkajs#1599: a partition that never
   * resolved an offset may not be fetched again after a resume).
   */
  batch(batch: FetchedBatch): Promise<number> {
    this.#batches++;
    const run = this.#admit(batch)
      .catch((error: unknown) => {
        this.#o.onFatal(error);
        return 0;
      })
      .finally(() => this.#batches--);
    this.#admitting = run;
    return run;
  }

  /** Batches being admitted: what they took may still wait for a schema, outside the ledgers. */
  get batchesAdmitting(): number {
    return this.#batches;
  }

  async #admit(batch: FetchedBatch): Promise<number> {
    const ledger = this.#o.table.get(batch);
    const route = this.#o.routes.get(batch.topic);
    if (this.#stopping || ledger === undefined || ledger.epoch !== batch.epoch || route === undefined) return 0;
    ledger.highWatermark = batch.highWatermark;
    let taken = 0;
    const presenter = this.#o.presenter;
    for (const fetched of batch.records) {
      if (taken > 0 && this.#o.table.overBudget(ledger)) break;
      const shown = presenter?.present(batch, fetched);
      if (presenter !== undefined && shown === undefined) {
        taken++;
        continue;
      }
      const record = shown?.record ?? fetched;
      // Synchronous on the hot path: a promise per record costs an allocation and a microtask each.
      let decoded: Readiness | typeof ABANDON = this.#check(route, record);
      if (decoded.kind === 'cold') decoded = await this.#loadAndCheck(route, record, decoded);
      if (decoded === ABANDON || this.#stopping || ledger.revoked) break;
      this.#o.table.admit(ledger, fetched.offset);
      taken++;
      this.#route(ledger, route, fetched, shown, decoded);
      if (this.#o.yieldToLoop && taken % this.#o.yieldToLoop.every === 0) {
        await this.#o.yieldToLoop.yield();
        if (this.#stopping || ledger.revoked) break;
      }
    }
    this.#o.metrics.recordConsumed(batch.topic, taken);
    this.evaluateBackpressure();
    return taken;
  }

  /** One object per admitted record: the model stage's Work, or the origin of its dead letter. */
  #route(ledger: PartitionLedger, route: InputRoute, fetched: ConsumedRecord, shown: Presented | undefined, readiness: Readiness): void {
    // The one sampling decision for the record, made here and carried with it: on the record as presented
    // (a redriven dead letter continues its original's trace).
    const trace = this.#o.tracing?.admit(shown?.record ?? fetched, shown?.topic ?? ledger.topic, shown?.partition ?? ledger.partition);
    if (readiness.kind === 'ready') route.model.push(admitted(ledger, fetched, shown, readiness.schemaId, trace));
    // A dead letter's schema id is never read: -1, as for JSON.
    else if (readiness.kind === 'rejected')
      this.#o.delivery.complete([this.#deadLetter(admitted(ledger, fetched, shown, -1, trace), readiness.error, route.model.id)]);
    else throw new Error(`record ${fetched.offset} still needs ${readiness.what}`);
  }

  #deadLetter(origin: InputOrigin, error: RecordError, model: string): Outgoing {
    return deadLetterOutgoing(this.#o.target, origin, error.reason, error.message, model, this.#o.wallClock());
  }

  /** Screening and the format's header check; decoding itself happens in the inference workers. */
  #check(route: InputRoute, record: ConsumedRecord): Readiness {
    const rejected = screen(record.value, this.#o.maxRecordBytes);
    return rejected === undefined ? route.format.check(record.value as Buffer) : { kind: 'rejected', error: rejected };
  }

  /** The cold path fetches a schema; an unreachable registry is retried, never dead-lettered. */
  async #loadAndCheck(route: InputRoute, record: ConsumedRecord, cold: Readiness & { kind: 'cold' }): Promise<Readiness | typeof ABANDON> {
    try {
      await retrying(() => cold.load(), {
        policy: this.#o.registryRetry,
        scheduler: this.#o.scheduler,
        retryable: (error) => isScorerError(error) && error.retryable,
        stopped: () => this.#stopping,
        onRetry: (error, attempt, delayMs) =>
          this.#o.log.warn({ reason: (error as Error).message, attempt, retryInMs: Math.round(delayMs) }, `cannot fetch ${cold.what}; retrying`),
      });
    } catch (error) {
      if (error instanceof RecordError) return { kind: 'rejected', error };
      if (this.#stopping && isScorerError(error) && error.retryable) return ABANDON;
      throw error;
    }
    return this.#check(route, record);
  }

  // ---- acknowledgements and backpressure -----------------------------------------------------------

  /** The brokers acknowledged these outcomes (their ledgers already know). */
  acknowledged(outgoing: readonly Outgoing[]): void {
    for (const o of outgoing) if (!o.source.ledger.revoked) this.#o.table.acknowledgedOne();
    if (this.#finishing.size > 0) this.#checkFinishing();
    this.evaluateBackpressure();
  }

  evaluateBackpressure(): void {
    if (this.#stopping) return;
    const { table, backpressure, control } = this.#o;
    const partitions = [];
    for (const ledger of table.all()) {
      const lane = table.lane(ledger);
      partitions.push(lane === undefined ? { key: ledger.key, used: ledger.uncommitted } : { key: ledger.key, used: ledger.uncommitted, lane });
    }
    const { pause, resume } = backpressure.evaluate({
      partitions,
      globalUsed: table.used,
      producerSaturated: this.#o.delivery.queued >= this.#o.senderHighWater,
    });
    if (pause.length > 0) control.pause(this.#ledgers(pause));
    if (resume.length > 0) control.resume(this.#ledgers(resume));
    this.#o.metrics.recordLoad(table.inSystem, table.used, backpressure.pausedByReason);
  }

  #ledgers(keys: readonly string[]): PartitionLedger[] {
    const out: PartitionLedger[] = [];
    for (const key of keys) {
      const ledger = this.#o.table.byKey(key);
      if (ledger !== undefined) out.push(ledger);
    }
    return out;
  }

  /**
   * Lag per owned partition, in records (the log end offset against the acknowledged watermark) and in
   * seconds at the partition's recent rate (lag-seconds.ts). `nowMs`: a monotonic clock.
   */
  publishLag(nowMs: number): void {
    const owned = new Set<string>();
    for (const ledger of this.#o.table.all()) {
      owned.add(ledger.key);
      const watermark = ledger.watermark() ?? ledger.highWatermark;
      const lag = ledger.highWatermark - watermark;
      this.#o.metrics.recordLag(ledger.topic, ledger.partition, lag, this.#lagSeconds.seconds(ledger.key, watermark, lag, nowMs));
    }
    this.#lagSeconds.retain(owned);
  }

  // ---- shutdown ----------------------------------------------------------------------------------

  /** Stops admitting at once and pauses every partition; resolves when no admission is running. */
  async stop(): Promise<void> {
    this.#stopping = true;
    // A revocation waiting for work in flight stops waiting: shutdown drains on its own terms.
    for (const entry of this.#finishing) entry.done(false);
    this.#o.control.pause([...this.#o.table.all()]);
    await this.#admitting;
  }
}
