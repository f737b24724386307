/**
 * Wires the three stages for one consumer: intake -> model stage -> delivery, with the committer
 * beside delivery. Data flows down; the only way back up is the acknowledgement callback this file
 * connects. Also the one place that knows the order of a graceful drain.
 */

import type { InputFormat } from './codecs/input-format.ts';
import type { OutputSpec } from './codecs/prediction-encoder.ts';
import type { ScorerConfig } from './config/types.ts';
import type { Clock, Scheduler } from './core/clock.ts';
import type { Log } from './core/log.ts';
import type { PipelineTracing } from './core/trace.ts';
import { AtLeastOnceCommitter } from './delivery/at-least-once.ts';
import type { Committer } from './delivery/committer.ts';
import { Delivery } from './delivery/delivery.ts';
import type { OutputTarget } from './delivery/outcomes.ts';
import type { Outgoing } from './delivery/outgoing.ts';
import { MAX_BYTES_PER_SEND } from './delivery/send-size.ts';
import { TransactionalDelivery, type TransactionalDeliveryOptions } from './delivery/transactional.ts';
import { ScorerError } from './errors.ts';
import { BackpressureController } from './intake/backpressure.ts';
import { type InputRoute, Intake, type IntakeMetrics, type RecordPresenter } from './intake/intake.ts';
import { type LaneBudgets, PartitionTable } from './intake/partition-table.ts';
import type { ConsumerHandlers, GroupConsumer, Producer } from './kafka/client.ts';
import type { ScoringPool } from './models/bisect.ts';
import { type FeatureLogTarget, type FlowLaneSpec, flowLaneId, type ModelMetrics, ModelStage, type ModelStageOptions } from './models/stage.ts';

export interface DeliveryMetrics {
  /** A send was acknowledged: counts predictions and DLQ records, observes end-to-end latency. */
  recordAcked(outgoing: readonly Outgoing[], sendMs: number, nowWallMs: number): void;
  recordSendFailure(): void;
  recordCommit(ok: boolean): void;
}

export type StageMetrics = IntakeMetrics & ModelMetrics & DeliveryMetrics;

export interface StagesOptions {
  readonly config: Pick<ScorerConfig, 'batching' | 'backpressure' | 'limits' | 'commit'>;
  readonly models: ModelStageOptions['models'];
  readonly inputs: readonly { readonly topic: string; readonly model: string; readonly format: InputFormat }[];
  /** Flows and the topics each consumes; absent: none. */
  readonly flows?: readonly StageFlow[];
  /** How the workers encode predictions, and where they get the writer schemas to decode with. */
  readonly output: OutputSpec;
  readonly writerSchema: (schemaId: number) => string;
  readonly pool: ScoringPool & { readonly threads: number; readonly depth: number };
  readonly consumer: Pick<GroupConsumer, 'pause' | 'resume' | 'commit'>;
  readonly producer: Pick<Producer, 'send'>;
  readonly target: OutputTarget;
  /** Records admitted between hand-backs to the event loop; absent in unit tests (fake scheduler). */
  readonly admissionSlice?: number;
  /** How a planned revocation ends (IntakeOptions.revocation); absent: at once, acknowledged work committed. */
  readonly revocation?: { readonly awaited: boolean; readonly budgetMs: number };
  /**
   * delivery.guarantee exactly-once: every send becomes a transaction carrying the input offsets, and
   * there is no separate offset commit (delivery/transactional.ts). Absent: at-least-once.
   */
  readonly exactlyOnce?: ExactlyOnceOptions;
  /** What intake admits each fetched record as (IntakeOptions.presenter); absent: itself. */
  readonly presenter?: RecordPresenter;
  /** Absent: no feature log. */
  readonly featureLog?: FeatureLogTarget;
  readonly metrics: StageMetrics;
  /** tracing.enabled: spans and trace context (observability/tracing/); absent: off. */
  readonly tracing?: PipelineTracing | undefined;
  readonly log: Log;
  readonly clock: Clock;
  readonly scheduler: Scheduler;
  readonly wallClock: () => number;
  readonly onFatal: (error: unknown) => void;
}

export interface StageFlow extends FlowLaneSpec {
  readonly inputs: readonly { readonly topic: string; readonly format: InputFormat }[];
}

/**
 * Each lane (the model a plain input feeds, or a flow) gets an equal share of the global budget; with
 * one lane there is nothing to isolate, and the global budget alone applies.
 */
function laneBudgets(inputs: StagesOptions['inputs'], flows: readonly StageFlow[], globalBudget: number): LaneBudgets | undefined {
  const laneByTopic = new Map<string, string>();
  for (const input of inputs) laneByTopic.set(input.topic, input.model);
  for (const flow of flows) for (const input of flow.inputs) laneByTopic.set(input.topic, flowLaneId(flow.plan.name));
  const lanes = new Set(laneByTopic.values());
  if (lanes.size < 2) return undefined;
  const share = Math.max(1, Math.floor(globalBudget / lanes.size));
  return { laneOf: (topic) => laneByTopic.get(topic) ?? '', budgets: new Map([...lanes].map((lane) => [lane, share])) };
}

/** Most records in one produce request. */
const MAX_RECORDS_PER_SEND = 2000;

export type ExactlyOnceOptions = Pick<TransactionalDeliveryOptions, 'consumer' | 'producer' | 'transactionalId' | 'commitRetryMs'> & {
  /** Most records in one transaction (delivery.transaction.maxRecords). */
  readonly maxRecords: number;
  /** A transaction that is not full begins at most this long after the previous one (delivery.transaction.intervalMs). */
  readonly intervalMs: number;
};

export class ScoringStages {
  readonly table: PartitionTable;
  readonly backpressure: BackpressureController;
  readonly delivery: Delivery;
  readonly committer: Committer;
  /** The transactional transport in exactly-once mode (service.ts starts it before the consumer joins). */
  readonly transactional: TransactionalDelivery | undefined;
  readonly models: ModelStage;
  readonly intake: Intake;
  readonly #scheduler: Scheduler;

  constructor(o: StagesOptions) {
    this.#scheduler = o.scheduler;
    const { backpressure: budgets, commit, batching, limits } = o.config;
    const lanes = budgets.isolateLanes ? laneBudgets(o.inputs, o.flows ?? [], budgets.globalBudget) : undefined;
    this.table = new PartitionTable(lanes === undefined ? budgets : { ...budgets, lanes });
    this.backpressure = new BackpressureController(budgets, o.clock);
    const retry = { initialMs: 100, maxMs: 5000 };
    this.transactional =
      o.exactlyOnce === undefined
        ? undefined
        : new TransactionalDelivery({
            ...o.exactlyOnce,
            source: this.table,
            maxRecordsPerRequest: MAX_RECORDS_PER_SEND,
            retry,
            clock: o.clock,
            scheduler: o.scheduler,
            log: o.log,
            recordTransaction: (committed) => o.metrics.recordCommit(committed),
            onFatal: o.onFatal,
          });
    this.committer =
      this.transactional ??
      new AtLeastOnceCommitter({
        source: this.table,
        consumer: o.consumer,
        intervalMs: commit.intervalMs,
        timeoutMs: commit.timeoutMs,
        scheduler: o.scheduler,
        log: o.log,
        recordCommit: (ok) => o.metrics.recordCommit(ok),
      });
    this.delivery = new Delivery({
      transport: this.transactional ?? o.producer,
      clock: o.clock,
      scheduler: o.scheduler,
      log: o.log,
      maxRecordsPerSend: o.exactlyOnce?.maxRecords ?? MAX_RECORDS_PER_SEND,
      // A transaction is cut into produce requests by bytes itself (transactional.ts), so it may hold more.
      ...(o.exactlyOnce === undefined ? { maxBytesPerSend: MAX_BYTES_PER_SEND } : {}),
      minIntervalMs: o.exactlyOnce?.intervalMs,
      retry,
      onAcknowledged: (outgoing, sendMs) => {
        o.metrics.recordAcked(outgoing, sendMs, o.wallClock());
        o.tracing?.acknowledged(outgoing);
        this.intake.acknowledged(outgoing);
        this.committer.acknowledged();
      },
      onSendFailure: () => o.metrics.recordSendFailure(),
    });
    this.models = new ModelStage({
      models: o.models,
      flows: o.flows ?? [],
      isolateLanes: budgets.isolateLanes,
      output: o.output,
      writerSchema: o.writerSchema,
      batching,
      inference: { threads: o.pool.threads, depth: o.pool.depth },
      pool: o.pool,
      delivery: this.delivery,
      target: o.target,
      metrics: o.metrics,
      tracing: o.tracing,
      log: o.log,
      clock: o.clock,
      scheduler: o.scheduler,
      wallClock: o.wallClock,
      ...(o.featureLog === undefined ? {} : { featureLog: o.featureLog }),
    });
    this.intake = new Intake({
      routes: this.#routes(o.inputs, o.flows ?? []),
      table: this.table,
      backpressure: this.backpressure,
      control: o.consumer,
      delivery: this.delivery,
      committer: this.committer,
      target: o.target,
      maxRecordBytes: limits.maxRecordBytes,
      senderHighWater: Math.ceil(budgets.globalBudget / 2),
      registryRetry: { initialMs: 200, maxMs: 5000 },
      ...(o.admissionSlice === undefined
        ? {}
        : { yieldToLoop: { every: o.admissionSlice, yield: () => new Promise<void>((resolve) => setImmediate(resolve)) } }),
      ...(o.revocation === undefined ? {} : { revocation: o.revocation }),
      ...(o.presenter === undefined ? {} : { presenter: o.presenter }),
      onFatal: o.onFatal,
      metrics: o.metrics,
      tracing: o.tracing,
      log: o.log,
      scheduler: o.scheduler,
      wallClock: o.wallClock,
    });
  }

  #routes(inputs: StagesOptions['inputs'], flows: readonly StageFlow[]): Map<string, InputRoute> {
    const routes = new Map<string, InputRoute>();
    for (const input of inputs) {
      const model = this.models.lane(input.model);
      if (model === undefined) throw new ScorerError('SCORER_ERR_CONFIG', `input ${input.topic} routes to model ${input.model}, which is not served`);
      routes.set(input.topic, { format: input.format, model });
    }
    for (const flow of flows) {
      const lane = this.models.flowLane(flow.plan.name) as NonNullable<ReturnType<ModelStage['flowLane']>>;
      for (const input of flow.inputs) routes.set(input.topic, { format: input.format, model: lane });
    }
    return routes;
  }

  /** What the consumer calls; `error` is the caller's to handle. */
  handlers(onError: ConsumerHandlers['error']): ConsumerHandlers {
    return {
      assigned: (partitions) => this.intake.assigned(partitions),
      revoked: (partitions) => this.intake.revoked(partitions),
      lost: (partitions) => this.intake.lost(partitions),
      batch: (batch) => this.intake.batch(batch),
      error: onError,
    };
  }

  /**
   * Graceful drain: stop admitting at once, drop rows no worker holds yet, let the workers and the
   * sender finish what they have, then commit exactly what was acknowledged. Rows dropped here were
   * never sent, and nothing after them in their partition is sent either (the ledger releases in
   * offset order), so the commit covers precisely what was produced. Resolves true when the workers
   * and the sender emptied before the deadline; either way the last commit has been made.
   */
  async drain(deadlineMs: number): Promise<{ emptied: boolean; dropped: number }> {
    await this.intake.stop();
    const dropped = this.models.discardQueued();
    const finished = this.models.idle().then(() => this.delivery.idle());
    let cancel = () => {};
    const timedOut = new Promise<boolean>((resolve) => {
      cancel = this.#scheduler.setTimeout(() => resolve(false), deadlineMs);
    });
    const emptied = await Promise.race([finished.then(() => true), timedOut]);
    cancel();
    await this.delivery.stop();
    await this.committer.close();
    return { emptied, dropped };
  }
}
