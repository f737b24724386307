/**
 * The model stage: one micro-batcher per served model and one per flow, batches scored through the
 * worker pool, and every row's outcome handed to delivery: the predictions the worker already encoded
 * (views of the one buffer the batch came back in; a flow's row may have several, one per model it was
 * routed to), or a dead letter with the reason the worker gave (the record did not decode, did not fit
 * the feature spec, a hook failed or skipped it, or the model failed on it alone). Nothing here knows
 * partitions beyond the batcher's lanes, or Kafka at all.
 */
import { MicroBatcher } from '../batching/batcher.ts';
import { SlotGate } from '../batching/slot-gate.ts';
import type { OutputSpec } from '../codecs/prediction-encoder.ts';
import type { Clock, Scheduler } from '../core/clock.ts';
import type { Log } from '../core/log.ts';
import { modelId } from '../core/model-id.ts';
import type { PipelineTracing, WorkerPhases } from '../core/trace.ts';
import type { Delivery } from '../delivery/delivery.ts';
import { deadLetterOutgoing, type ModelIdentity, type OutputTarget, predictionOutgoing } from '../delivery/outcomes.ts';
import type { Outgoing } from '../delivery/outgoing.ts';
import type { DriftCounts } from '../drift/bin-counter.ts';
import type { FlowPlan } from '../flows/plan.ts';
import type { LaneLoad } from '../flows/shadow-shedding.ts';
import type { FlowScoredReply, RecordsScoredReply } from '../inference/protocol.ts';
import type { ModelEntry } from '../inference/types.ts';
import { type BatchResults, type LoneFailure, type ScoringPool, scoreBatch } from './bisect.ts';
import { CircuitBreakers, type CircuitTransition } from './circuit-breaker.ts';
import { featureLogRecord, withFeatureLog } from './feature-log-outcomes.ts';
import { type ExperimentMetrics, FlowExperiments } from './flow-experiments.ts';
import { flowOutcomes } from './flow-outcomes.ts';
import { scoreUntilScored, waitLog } from './hand-back.ts';
import { InFlightUses } from './in-flight-uses.ts';
import { flowRequest, recordsRequest } from './records-request.ts';
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

export interface ModelMetrics extends ExperimentMetrics {
  /** `cap`: the rows the model's next batch may have (MicroBatcher#batchCap). */
  recordBatch(model: string, rows: number, timings: WorkerTimings, waitMs: number, cap: number): void;
  /** A flow batch's hook times and the fallbacks it answered with, by reason. */
  recordFlowBatch(flow: string, hookMs: Readonly<Record<string, number>>, fallbacks: Readonly<Record<string, number>>): void;
  /** A flow batch's enrichment (cache, round trips, defaults, a hand-back); a no-op for a flow without one. */
  recordEnrichment(flow: string, reply: FlowScoredReply): void;
  /** A model's circuit in a flow changed state. */
  recordCircuit(flow: string, transition: CircuitTransition): void;
  /** One batch's drift bin counts for a model with training statistics. */
  recordDrift(model: string, counts: DriftCounts): void;
}

/** Where the feature log goes (featureLog.topic), and the schema id the workers stamp on its records. */
export interface FeatureLogTarget {
  readonly topic: string;
  readonly schemaId: number;
}

/** A flow the stage batches for, and where its predictions go. */
export interface FlowLaneSpec {
  readonly plan: FlowPlan;
  readonly target: OutputTarget;
  /** How its predictions are encoded; absent: as the stage's. */
  readonly output?: OutputSpec;
  /** How its shadow candidates' predictions are encoded, in plan.shadow order; absent: as its predictions. */
  readonly shadowOutputs?: readonly OutputSpec[];
}

export interface ModelStageOptions {
  readonly models: readonly ModelEntry[];
  /** Absent: no flows. */
  readonly flows?: readonly FlowLaneSpec[];
  /** Whether the lanes share the worker slots fairly (backpressure.isolateLanes). @defaultValue true */
  readonly isolateLanes?: boolean;
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
  /** tracing.enabled: a span per batch holding a sampled record (core/trace.ts). */
  readonly tracing?: PipelineTracing | undefined;
  readonly log: Log;
  readonly clock: Clock;
  readonly scheduler: Scheduler;
  /** Wall-clock milliseconds, for lineage timestamps. */
  readonly wallClock: () => number;
  /** Absent: no feature log. */
  readonly featureLog?: FeatureLogTarget;
}

/** What one batch of a lane came to. */
interface Scored {
  readonly outcomes: Outgoing[];
  readonly timings: WorkerTimings;
  /** The replies it came back in, for the batch's spans. */
  readonly parts: readonly { readonly reply: WorkerPhases }[];
  /** Time the batch waited to be sent again (hand-back.ts), left out of its service time. */
  readonly waitedMs?: number;
}

interface Runtime extends ModelLane {
  /** A plain lane's served version: read once per batch, when the batch is dispatched (hot reload). */
  serving?: ModelIdentity;
  readonly batcher: MicroBatcher<Work>;
  /** Scores the live rows of one batch formed under `load`; rejects only on a bug (every row then goes to the DLQ). */
  score(live: readonly Work[], load: LaneLoad): Promise<Scored>;
  readonly target: OutputTarget;
}

/** A flow's lane id: metric labels and logs, never confused with a model id ("name:version"). */
export function flowLaneId(flow: string): string {
  return `flow/${flow}`;
}

export class ModelStage {
  readonly #o: ModelStageOptions;
  /** The worker slots every lane shares, fairly (slot-gate.ts). */
  readonly #gate: SlotGate | undefined;
  readonly #runtimes = new Map<string, Runtime>();
  /** Batches in flight by what they hold: "model:<modelId>" (plain lanes) or "plans:<generation>" (flows). */
  readonly #uses = new InFlightUses();
  /** The flow plans generation new flow batches run on. */
  #plans = 0;
  #inFlight = 0;
  /** Shutdown began (discardQueued): a handed-back batch is not sent again. */
  #stopping = false;
  #idleWaiters: (() => void)[] = [];

  constructor(options: ModelStageOptions) {
    this.#o = options;
    this.#gate = options.isolateLanes === false ? undefined : new SlotGate(options.inference.threads * options.inference.depth);
    for (const entry of options.models) this.#runtimes.set(entry.config.name, this.#modelRuntime(entry));
    for (const flow of options.flows ?? []) this.#runtimes.set(flowLaneId(flow.plan.name), this.#flowRuntime(flow));
  }

  /** The lane of a served model, by name; undefined when it is not served. */
  lane(name: string): ModelLane | undefined {
    return this.#runtimes.get(name);
  }

  /** The lane of a flow, by name; undefined when there is no such flow. */
  flowLane(name: string): ModelLane | undefined {
    return this.#runtimes.get(flowLaneId(name));
  }

  /**
   * Hot reload: the plain lane of `model.name` sends its next batches to this version; batches already
   * dispatched finish on theirs. False when no plain lane has that name.
   */
  serve(model: ModelIdentity): boolean {
    const runtime = this.#runtimes.get(model.name);
    if (runtime?.serving === undefined) return false;
    runtime.serving = model;
    return true;
  }

  /** Hot reload: new flow batches run on this plans generation (the workers hold it already). */
  usePlans(generation: number): void {
    this.#plans = generation;
  }

  /** Batches in flight on a model version (plain lanes), and on a flow plans generation. */
  usesOfModel(id: string): number {
    return this.#uses.count(`model:${id}`);
  }

  usesOfPlans(generation: number): number {
    return this.#uses.count(`plans:${generation}`);
  }

  /** Resolves once no batch in flight holds the model version / the plans generation. */
  whenUnused(what: { model: string } | { plans: number }): Promise<void> {
    return this.#uses.whenUnused('model' in what ? `model:${what.model}` : `plans:${what.plans}`);
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
    this.#stopping = true;
    let dropped = 0;
    for (const runtime of this.#runtimes.values()) dropped += runtime.batcher.discard();
    return dropped;
  }

  /** Resolves once no batch is being scored. */
  idle(): Promise<void> {
    if (this.#inFlight === 0) return Promise.resolve();
    return new Promise((resolve) => this.#idleWaiters.push(resolve));
  }

  #modelRuntime(entry: ModelEntry): Runtime {
    const { config } = entry;
    const runtime = this.#lane(modelId(config.name, config.version), config.batching, this.#o.target, async (live) => {
      // The batch boundary: this batch, its retries and its bisected halves stay on this version.
      const model = runtime.serving as ModelIdentity;
      const { featureLog } = this.#o;
      const context = {
        name: model.name,
        version: model.version,
        output: this.#o.output,
        writerSchema: this.#o.writerSchema,
        ...(featureLog === undefined ? {} : { featureLog: featureLog.schemaId }),
      };
      return this.#uses.during(`model:${model.id}`, async () => {
        const results = await scoreBatch(this.#o.pool, live, (rows) => recordsRequest(context, rows, this.#o.wallClock()));
        return this.#modelOutcomes(model, results);
      });
    });
    runtime.serving = { id: modelId(config.name, config.version), name: config.name, version: config.version };
    return runtime;
  }

  #flowRuntime({ plan, target, output, shadowOutputs }: FlowLaneSpec): Runtime {
    const id = flowLaneId(plan.name);
    const circuit = plan.fallback?.circuit;
    const breakers = circuit === undefined ? undefined : new CircuitBreakers(circuit, this.#o.clock);
    const { metrics, log, clock } = this.#o;
    const encoding = output ?? this.#o.output;
    const experiments = new FlowExperiments({ plan, shadowOutputs: shadowOutputs ?? (plan.shadow ?? []).map(() => encoding), metrics, log, clock });
    const waiting = waitLog(plan.name, (reply) => metrics.recordEnrichment(plan.name, reply), log, clock);
    const { featureLog } = this.#o;
    const context = {
      flow: plan.name,
      output: encoding,
      writerSchema: this.#o.writerSchema,
      ...(plan.route.by === 'header' ? { routeHeader: plan.route.name } : {}),
      ...(featureLog === undefined ? {} : { featureLog: featureLog.schemaId }),
    };
    const circuitChanged = (transition: CircuitTransition) => {
      this.#o.metrics.recordCircuit(plan.name, transition);
      const fields = { flow: plan.name, ...transition, errorRate: circuit?.errorRate, openMs: circuit?.openMs };
      if (transition.to === 'open') this.#o.log.warn(fields, "a model's circuit opened: the flow's fallback answers for it");
      else
        this.#o.log.info(
          fields,
          transition.to === 'closed' ? "a model's circuit closed: it answers again" : "a model's circuit is half-open: it is tried again",
        );
    };
    return this.#lane(id, undefined, target, async (live, load) => {
      const open = breakers?.open();
      for (const transition of open?.transitions ?? []) circuitChanged(transition);
      const openCircuits = open === undefined || open.skip.length === 0 ? {} : { openCircuits: open.skip };
      const plans = this.#plans;
      const extra = experiments.request(load);
      const score = (items: readonly Work[]) =>
        scoreBatch(this.#o.pool, items, (rows) => flowRequest({ ...context, ...openCircuits, plans }, rows, this.#o.wallClock(), extra));
      const { results, waitedMs } = await this.#uses.during(`plans:${plans}`, () =>
        scoreUntilScored(score, live, { clock, scheduler: this.#o.scheduler, stopping: () => this.#stopping, handedBack: waiting.handedBack }),
      );
      const timings = sumTimings(results);
      const now = this.#o.wallClock();
      for (const { reply } of results.parts) {
        metrics.recordFlowBatch(plan.name, reply.hookMs, reply.fallbacks);
        metrics.recordEnrichment(plan.name, reply);
        waiting.scored(reply);
        for (const run of reply.modelRuns) {
          // Most of a batch failing, or a missed deadline, is the model's fault; a lone bad row is its input's.
          const transition = breakers?.record(run.model, run.deadlineMissed || run.failedRows * 2 > run.rows);
          if (transition !== undefined) circuitChanged(transition);
        }
        experiments.observe(reply);
        for (const drift of reply.drift ?? []) metrics.recordDrift(drift.model, drift);
      }
      const outcomes = flowOutcomes(target, results.parts, now, experiments.shadowTargets, featureLog?.topic);
      for (const lone of results.failed) outcomes.push(loneFailure(target, lone, id, now));
      return { outcomes, timings, parts: results.parts, waitedMs };
    });
  }

  #lane(id: string, batching: ModelEntry['config']['batching'], target: OutputTarget, score: Runtime['score']): Runtime {
    const runtime: Runtime = {
      // A plain lane is named after the version it serves now (metric labels, DLQ headers).
      get id() {
        return runtime.serving?.id ?? id;
      },
      target,
      score,
      push: (work) => runtime.batcher.push(work.key, work),
      batcher: new MicroBatcher<Work>({
        maxBatchSize: batching?.maxBatchSize ?? this.#o.batching.maxBatchSize,
        maxDelayMs: batching?.maxDelayMs ?? this.#o.batching.maxDelayMs,
        targetBatchMs: batching?.targetBatchMs ?? this.#o.batching.targetBatchMs,
        slots: this.#o.inference.threads * this.#o.inference.depth,
        workers: this.#o.inference.threads,
        ...(this.#gate === undefined ? {} : { gate: this.#gate }),
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
    let timings: WorkerTimings = { decodeMs: 0, inferMs: 0, encodeMs: 0 };
    const trace = live.length > 0 ? this.#o.tracing?.batch(runtime.id, live) : undefined;
    try {
      if (live.length > 0) {
        // Read before the first await: the load the batch was formed under.
        const load = { queuedRows: runtime.batcher.queued, batchesInFlight: this.#dispatched(), threads: this.#o.inference.threads };
        const scored = await runtime.score(live, load);
        serviceMs = this.#o.clock.now() - started - (scored.waitedMs ?? 0);
        outcomes = scored.outcomes;
        timings = scored.timings;
        trace?.scored(scored.parts);
      }
    } catch (error) {
      trace?.failed(error);
      // A bug, not bad input: the rows are kept, in the DLQ, for a redrive.
      this.#o.log.error({ err: error, model: runtime.id, rows: live.length }, 'scoring a batch failed; its records go to the dead-letter topic');
      const now = this.#o.wallClock();
      outcomes = live.map((w) => deadLetterOutgoing(runtime.target, w, 'INTERNAL_ERROR', `scoring failed: ${messageOf(error)}`, runtime.id, now));
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

  /**
   * Batches dispatched and not yet completed, over every lane: the batchers free a slot before the next
   * batch forms, where #inFlight would still count the batch whose completion formed it.
   */
  #dispatched(): number {
    let batches = 0;
    for (const runtime of this.#runtimes.values()) batches += runtime.batcher.inFlight;
    return batches;
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
  #modelOutcomes(model: ModelIdentity, results: BatchResults<RecordsScoredReply>): Scored {
    const { target, featureLog } = this.#o;
    const now = this.#o.wallClock();
    const out: Outgoing[] = [];
    for (const { items, reply } of results.parts) {
      if (reply.drift !== undefined) this.#o.metrics.recordDrift(model.id, reply.drift);
      const failures = new Map(reply.failures.map((f) => [f.row, f]));
      const logged = featureLog === undefined ? undefined : reply.featureLog;
      let start = 0;
      for (let i = 0; i < items.length; i++) {
        const work = items[i] as Work;
        const end = reply.ends[i] as number;
        const failure = failures.get(i);
        if (failure !== undefined) out.push(deadLetterOutgoing(target, work, failure.reason, failure.message, model.id, now));
        else {
          const prediction = predictionOutgoing(target, model, work, Buffer.from(reply.encoded.buffer, reply.encoded.byteOffset + start, end - start));
          out.push(
            logged === undefined ? prediction : withFeatureLog(prediction, featureLogRecord((featureLog as FeatureLogTarget).topic, work, logged, i, model.id)),
          );
        }
        start = end;
      }
    }
    for (const lone of results.failed) out.push(loneFailure(target, lone, model.id, now));
    return { outcomes: out, timings: sumTimings(results), parts: results.parts };
  }

  #wakeIdle(): void {
    const waiters = this.#idleWaiters;
    this.#idleWaiters = [];
    for (const wake of waiters) wake();
  }
}

function sumTimings(results: BatchResults<RecordsScoredReply | FlowScoredReply>): WorkerTimings {
  const timings: WorkerTimings = { decodeMs: 0, inferMs: 0, encodeMs: 0 };
  for (const { reply } of results.parts) {
    timings.decodeMs += reply.decodeMs;
    timings.inferMs += reply.inferMs;
    timings.encodeMs += reply.encodeMs;
  }
  return timings;
}

/** A row the pool could not get past even alone: the worker died on it, or failed outright. */
function loneFailure(target: OutputTarget, { work, crashed, message }: LoneFailure, lane: string, now: number): Outgoing {
  return deadLetterOutgoing(target, work, crashed ? 'INFERENCE_FAILED' : 'INTERNAL_ERROR', message, lane, now);
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
