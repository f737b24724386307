/**
 * The messages between the main thread and the inference workers: the only things the two sides share.
 * Errors cross the thread boundary as data (a 'failed' reply); a rejected task means the worker died.
 */

import type { EncodedBatch, OutputSpec } from '../codecs/prediction-encoder.ts';
import type { DriftCounts } from '../drift/bin-counter.ts';
import type { FeatureStats } from '../drift/feature-stats.ts';
import type { DlqReason } from '../errors.ts';
import type { FlowPlan } from '../flows/plan.ts';
import type { GraphInputInfo, GraphOutputInfo, ModelConfig } from './types.ts';

/**
 * One batch of records for one model, as bytes and columns: the worker decodes, extracts features,
 * scores and encodes the predictions, so no object per record crosses between the threads. The typed
 * arrays' buffers are transferred; the strings are small and few.
 */
export interface ScoreRecordsRequest {
  readonly kind: 'score-records';
  readonly model: string;
  readonly version: number;
  readonly rows: number;
  /** Every record's value, back to back. */
  readonly values: Uint8Array<ArrayBuffer>;
  /** ends[i]: where row i's value ends in `values`. */
  readonly valueEnds: Int32Array<ArrayBuffer>;
  /** Row i's Avro writer schema id, or JSON_RECORD (-1). */
  readonly schemaIds: Int32Array<ArrayBuffer>;
  /** The text of every writer schema the rows use, by id. */
  readonly writerSchemas: Readonly<Record<number, string>>;
  /** Lineage, per row: the input topic (an index into `topics`), partition, offset and timestamp. */
  readonly topics: readonly string[];
  readonly topicIndex: Uint16Array<ArrayBuffer>;
  readonly partitions: Int32Array<ArrayBuffer>;
  readonly offsets: Float64Array<ArrayBuffer>;
  readonly timestamps: Float64Array<ArrayBuffer>;
  readonly output: OutputSpec;
  /** Wall-clock ms stamped on every prediction of the batch. */
  readonly scoredAt: number;
  /** Present when the feature log is on: the worker writes one feature-log record per prediction. */
  readonly featureLog?: FeatureLogRequest;
}

/** The record keys, back to back as bytes: row i's key ends at keyEnds[i]; keyPresent[i] is 0 for a null key. */
export interface PackedKeys {
  readonly keyBytes: Uint8Array<ArrayBuffer>;
  readonly keyEnds: Int32Array<ArrayBuffer>;
  readonly keyPresent: Uint8Array<ArrayBuffer>;
}

/** How the worker writes the batch's feature-log records (schemas/feature-log.avsc). */
export interface FeatureLogRequest {
  /** The registered id of the feature-log schema under `<featureLog.topic>-value`. */
  readonly schemaId: number;
  /** The record keys, for the records' lineage; absent on a flow request, which carries them anyway. */
  readonly keys?: PackedKeys;
}

/**
 * One batch of records for one flow: the same bytes and lineage as a ScoreRecordsRequest, plus what a
 * flow's routing and experiments read that the values do not hold. The worker decodes every record into
 * an event object, runs the flow's hooks, routes each event to its models (several: fan-out; an
 * experiment: the event's variant), scores each model's rows in one run, and encodes every prediction.
 */
export interface ScoreFlowRequest extends Omit<ScoreRecordsRequest, 'kind' | 'model' | 'version'>, PackedKeys {
  readonly kind: 'score-flow';
  readonly flow: string;
  // The record keys (PackedKeys) are the experiments' default allocation key and the hooks' context;
  // bytes, so that making strings of them is the worker's work, not the Kafka thread's.
  /** Row i's value of the header the flow routes by (UTF-8), or null; absent unless it routes by header. */
  readonly routeHeaders?: readonly (string | null)[];
  /** Models whose circuit is open (the main thread keeps the circuits): the fallback answers for them. */
  readonly openCircuits?: readonly string[];
  /**
   * The generation of the flow plans this batch runs on (ModelSetSync.flows); absent: the plans the
   * workers started with (0). A batch keeps its generation when the plans change under it (hot reload).
   */
  readonly plans?: number;
  /** Skip the flow's shadow candidates for this batch: the main thread saw pressure (flows/shadow-shedding.ts). */
  readonly shedShadow?: boolean;
  /** How each shadow candidate's predictions are encoded, in the plan's shadow order; absent: as `output`. */
  readonly shadowOutputs?: readonly OutputSpec[];
  /** The canary's share in percent, in place of the plan's: 0 once the main thread rolled it back. */
  readonly canaryPercent?: number;
}

/** How one routed model did on a flow batch: what the main thread's circuit breakers and a canary's guard learn from. */
export interface ModelRun {
  /** modelId. */
  readonly model: string;
  readonly rows: number;
  /** Rows it could not score (it failed on them alone, or missed the deadline for all of them). */
  readonly failedRows: number;
  readonly deadlineMissed: boolean;
  /** Its run time in the batch, its own hooks included: a canary's latency. */
  readonly ms: number;
}

/** One shadow candidate's predictions in a flow batch, laid out as the primary ones are. */
export interface ShadowScored {
  readonly encoded: Uint8Array<ArrayBuffer>;
  readonly recordEnds: Int32Array<ArrayBuffer>;
  /** rowRecords[i]: shadow records of rows 0..i (0 or 1 per row). */
  readonly rowRecords: Int32Array<ArrayBuffer>;
  /** Record r's |primary score - shadow score|; NaN when not compared (the primary was the fallback's). */
  readonly scoreDiff: Float64Array<ArrayBuffer>;
  /** Record r's labels: 1 agree, 0 differ, -1 not compared (both null, or the primary was the fallback's). */
  readonly labelAgreement: Int8Array<ArrayBuffer>;
  /** Rows the candidate gave no prediction for: counted, never dead-lettered. */
  readonly errors: number;
}

/** A flow batch's shadow work; shadow failures never fail a primary row. */
export interface ShadowReply {
  /** Rows whose shadow scoring the request shed. */
  readonly shed: number;
  /** Time spent on the shadow candidates, outside inferMs (the batch cap is sized for the primary alone). */
  readonly ms: number;
  /** One per plan.shadow entry, in order; empty when shed. */
  readonly candidates: readonly ShadowScored[];
}

/** One enrichment round trip to Redis (each retry is one): how it went, how long, how many keys. */
export interface EnrichmentLookup {
  readonly outcome: 'ok' | 'error' | 'timeout';
  readonly ms: number;
  readonly keys: number;
}

/** A flow batch's enrichment, measured in the worker for the main thread's metrics. */
export interface EnrichmentReport {
  /** Distinct keys the worker's cache answered, and those it asked Redis for. */
  readonly hits: number;
  readonly misses: number;
  readonly lookups: readonly EnrichmentLookup[];
  /** Rows scored with defaults because Redis was unavailable (onUnavailable: defaults). */
  readonly defaulted: number;
}

/** How long each hook of a flow batch took, by hook ("preprocess", "postprocess", "predict:<model>"). */
export type HookTimings = Readonly<Record<string, number>>;

export interface FlowScoredReply {
  readonly kind: 'flow-scored';
  /** Every encoded prediction, back to back; recordEnds[r] where record r ends. */
  readonly encoded: Uint8Array<ArrayBuffer>;
  readonly recordEnds: Int32Array<ArrayBuffer>;
  /**
   * rowRecords[i]: how many records rows 0..i wrote, so row i's records are
   * [rowRecords[i-1], rowRecords[i]); a failed row writes none (fan-out: a row may write several).
   */
  readonly rowRecords: Int32Array<ArrayBuffer>;
  /** Record r's model id ("name:version"), as an index into `models`: metric labels. */
  readonly recordModel: Uint16Array<ArrayBuffer>;
  readonly models: readonly string[];
  /** Records answered by the flow's fallback (their predictions say fallback: true), by reason. */
  readonly fallbacks: Readonly<Record<string, number>>;
  readonly failures: readonly RowFailure[];
  /** One entry per routed model the batch ran (not those whose circuit was open). */
  readonly modelRuns: readonly ModelRun[];
  readonly hookMs: HookTimings;
  /** Epoch ms (fractional) when the worker began the batch: where tracing lays its phases out. Set by worker.ts. */
  readonly startedAt?: number;
  readonly decodeMs: number;
  readonly inferMs: number;
  readonly encodeMs: number;
  /** Absent when the flow has no shadow candidates. */
  readonly shadow?: ShadowReply;
  /** Absent when the flow has no enrichment. */
  readonly enrichment?: EnrichmentReport;
  /** The enrichment step's time in the worker, retries included (a span of its own when traced). */
  readonly enrichMs?: number;
  /**
   * Redis stayed unavailable through the retries and the flow waits (enrich.onUnavailable: wait): no
   * row was scored or failed, and the main thread sends the batch again. Says why.
   */
  readonly handedBack?: string;
  /** Feature-log record r belongs to prediction record r; absent when the feature log is off. */
  readonly featureLog?: EncodedBatch;
  /** The bin counts of each routed model with training statistics that scored rows of the batch. */
  readonly drift?: readonly ModelDrift[];
}

/** One model's bin counts in a batch; `model` is its modelId. */
export interface ModelDrift extends DriftCounts {
  readonly model: string;
}

/** Every buffer of a flow reply, for the worker to move rather than copy. */
export function flowReplyBuffers(reply: FlowScoredReply): ArrayBuffer[] {
  const buffers = [reply.encoded.buffer, reply.recordEnds.buffer, reply.rowRecords.buffer, reply.recordModel.buffer];
  if (reply.featureLog !== undefined) buffers.push(reply.featureLog.bytes.buffer, reply.featureLog.ends.buffer);
  for (const d of reply.drift ?? []) buffers.push(d.bins.buffer, d.missing.buffer);
  for (const c of reply.shadow?.candidates ?? [])
    buffers.push(c.encoded.buffer, c.recordEnds.buffer, c.rowRecords.buffer, c.scoreDiff.buffer, c.labelAgreement.buffer);
  return buffers;
}

/** A row that goes to the dead-letter topic, and why. */
export interface RowFailure {
  readonly row: number;
  readonly reason: DlqReason;
  readonly message: string;
}

export interface RecordsScoredReply {
  readonly kind: 'records-scored';
  /** The encoded predictions, back to back; ends[i] where row i's ends (a failed row's range is empty). */
  readonly encoded: Uint8Array<ArrayBuffer>;
  readonly ends: Int32Array<ArrayBuffer>;
  readonly failures: readonly RowFailure[];
  /** Epoch ms (fractional) when the worker began the batch: where tracing lays its phases out. Set by worker.ts. */
  readonly startedAt?: number;
  /** Milliseconds in the worker's steps, for metrics and the cost breakdown. */
  readonly decodeMs: number;
  readonly inferMs: number;
  readonly encodeMs: number;
  /** session.run calls: more than one when a failing row was isolated by bisecting. */
  readonly runs: number;
  /** Feature-log record i belongs to row i (a failed row's range is empty); absent when the feature log is off. */
  readonly featureLog?: EncodedBatch;
  /** The batch's bin counts; absent when the model has no training statistics. */
  readonly drift?: DriftCounts;
}

/** Every buffer of a model reply, for the worker to move rather than copy. */
export function recordsReplyBuffers(reply: RecordsScoredReply): ArrayBuffer[] {
  const buffers = [reply.encoded.buffer, reply.ends.buffer];
  if (reply.featureLog !== undefined) buffers.push(reply.featureLog.bytes.buffer, reply.featureLog.ends.buffer);
  if (reply.drift !== undefined) buffers.push(reply.drift.bins.buffer, reply.drift.missing.buffer);
  return buffers;
}

export interface DescribeRequest {
  readonly kind: 'describe';
  readonly model: string;
  readonly version: number;
}

export type WorkerRequest = ScoreRecordsRequest | ScoreFlowRequest | DescribeRequest;

export interface DescribedReply {
  readonly kind: 'described';
  readonly inputs: GraphInputInfo[];
  readonly outputs: string[];
  readonly outputInfo: GraphOutputInfo[];
}

export interface FailedReply {
  readonly kind: 'failed';
  readonly error: { readonly name: string; readonly message: string };
}

export type WorkerReply = RecordsScoredReply | FlowScoredReply | DescribedReply | FailedReply;

/** A model a worker loads at start-up, with the feature spec it extracts rows by. */
export interface WorkerModel {
  readonly config: ModelConfig;
  /** The ONNX graph; absent for a model of kind heuristic, which is only its `predict` hook. */
  readonly onnxPath?: string;
  /** The model's hooks module (hooks.ts beside config.yaml), when it has one. */
  readonly hooksPath?: string;
  /** Its training feature statistics (feature-stats.json), when it has them: the worker counts drift bins. */
  readonly stats?: FeatureStats;
}

/** Passed to every worker thread as workerData. */
export interface InferenceWorkerData {
  /** The models of generation 0 (start-up); a thread that starts later syncs to the current set instead. */
  readonly models: readonly WorkerModel[];
  /** The flows the workers execute (ScoreFlowRequest.flow names one), as plans generation 0. */
  readonly flows: readonly FlowPlan[];
  readonly control: WorkerControl;
  readonly limits: { readonly maxStringFeatureLength: number };
  /** Fault injection: each score request blocks its thread this long before running. */
  readonly injectDelayMs: number;
}

export function failedReply(err: unknown): FailedReply {
  if (err instanceof Error) return { kind: 'failed', error: { name: err.name, message: err.message } };
  return { kind: 'failed', error: { name: 'Error', message: String(err) } };
}

/**
 * How the main thread changes the model set of live workers (hot reload, model-sync.ts): a
 * BroadcastChannel every thread listens on, and the current generation in shared memory. The set
 * itself cannot live in shared memory, so a thread that finds the generation newer than its own (a
 * thread replacing one that died after a switch) says hello and the main thread broadcasts the set again.
 */
export interface WorkerControl {
  /** BroadcastChannel name, unique per pool. */
  readonly channel: string;
  /** Int32Array(1) on a SharedArrayBuffer: the generation of the latest ModelSetSync. */
  readonly generation: Int32Array<SharedArrayBuffer>;
}

/** A flow plan generation: the plans and the models (modelIds) its flows see, chaining included. */
export interface FlowGeneration {
  readonly generation: number;
  readonly plans: readonly FlowPlan[];
  readonly models: readonly string[];
}

/**
 * Main thread -> every worker: the models to hold and the flow generations to keep. A worker loads
 * what it lacks, drops what is not listed (closing its sessions), and answers ModelSetSynced. Idempotent.
 */
export interface ModelSetSync {
  readonly kind: 'sync';
  readonly generation: number;
  readonly models: readonly WorkerModel[];
  readonly flows: readonly FlowGeneration[];
}

/** Worker -> main: its thread is behind the shared generation; broadcast the current set again. */
export interface WorkerHello {
  readonly kind: 'hello';
  readonly threadId: number;
  readonly generation: number;
}

/** Worker -> main: the thread holds generation `generation`, except what failed to load (by modelId, or "flows:<g>"). */
export interface ModelSetSynced {
  readonly kind: 'synced';
  readonly threadId: number;
  readonly generation: number;
  readonly failures: readonly { readonly id: string; readonly message: string }[];
}

export type ControlMessage = ModelSetSync | WorkerHello | ModelSetSynced;
