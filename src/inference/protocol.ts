/**
 * The messages between the main thread and the inference workers: the only things the two sides share.
 * Errors cross the thread boundary as data (a 'failed' reply); a rejected task means the worker died.
 */

import type { Feeds, GraphInputInfo, GraphOutputInfo, ModelConfig } from './types.ts';

/** Which outputs a score request reads, as the model config names them. */
export type RequestedOutputs = ModelConfig['outputs'];

export interface ScoreRequest {
  readonly kind: 'score';
  readonly model: string;
  readonly version: number;
  readonly rows: number;
  readonly feeds: Feeds;
  readonly outputs: RequestedOutputs;
}

export interface DescribeRequest {
  readonly kind: 'describe';
  readonly model: string;
  readonly version: number;
}

export type WorkerRequest = ScoreRequest | DescribeRequest;

export interface ScoredReply {
  readonly kind: 'scored';
  readonly scores: Float64Array;
  readonly labels?: string[];
  /** Milliseconds spent in session.run. */
  readonly inferMs: number;
}

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

export type WorkerReply = ScoredReply | DescribedReply | FailedReply;

/** A model a worker loads at start-up. */
export interface WorkerModel {
  readonly name: string;
  readonly version: number;
  readonly onnxPath: string;
}

/** Passed to every worker thread as workerData. */
export interface InferenceWorkerData {
  readonly models: readonly WorkerModel[];
  /** Fault injection: each score request blocks its thread this long before running. */
  readonly injectDelayMs: number;
}

export function failedReply(err: unknown): FailedReply {
  if (err instanceof Error) return { kind: 'failed', error: { name: err.name, message: err.message } };
  return { kind: 'failed', error: { name: 'Error', message: String(err) } };
}
