/**
 * The messages between the main thread and the inference workers: the only things the two sides share.
 * Errors cross the thread boundary as data (a 'failed' reply); a rejected task means the worker died.
 */

import type { OutputSpec } from '../codecs/prediction-encoder.ts';
import type { DlqReason } from '../errors.ts';
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
  /** Milliseconds in the worker's steps, for metrics and the cost breakdown. */
  readonly decodeMs: number;
  readonly inferMs: number;
  readonly encodeMs: number;
  /** session.run calls: more than one when a failing row was isolated by bisecting. */
  readonly runs: number;
}

export interface DescribeRequest {
  readonly kind: 'describe';
  readonly model: string;
  readonly version: number;
}

export type WorkerRequest = ScoreRecordsRequest | DescribeRequest;

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

export type WorkerReply = RecordsScoredReply | DescribedReply | FailedReply;

/** A model a worker loads at start-up, with the feature spec it extracts rows by. */
export interface WorkerModel {
  readonly config: ModelConfig;
  readonly onnxPath: string;
}

/** Passed to every worker thread as workerData. */
export interface InferenceWorkerData {
  readonly models: readonly WorkerModel[];
  readonly limits: { readonly maxStringFeatureLength: number };
  /** Fault injection: each score request blocks its thread this long before running. */
  readonly injectDelayMs: number;
}

export function failedReply(err: unknown): FailedReply {
  if (err instanceof Error) return { kind: 'failed', error: { name: err.name, message: err.message } };
  return { kind: 'failed', error: { name: 'Error', message: String(err) } };
}
