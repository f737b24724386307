/**
 * Types shared by the model repository, the feature mapper and the worker pool. No runtime code here, so
 * the main thread can import them without pulling in onnxruntime-node.
 */
import type { FeatureStats } from '../drift/feature-stats.ts';

export type TensorDType = 'float32' | 'int64' | 'string';

/** One column of an input tensor, filled from one event field. */
export interface FeatureFieldSpec {
  /** Event field; a dotted path reaches into nested objects ("device.os"). */
  readonly field: string;
  /** Makes the field optional: used when the field is missing or null. No default means required. */
  readonly default?: number | string;
}

/** One ONNX graph input, shaped [batch, fields.length]. */
export interface ModelInputSpec {
  readonly name: string;
  readonly dtype: TensorDType;
  readonly fields: readonly FeatureFieldSpec[];
}

/** Where a prediction field comes from: an output name, and a column for [batch, k] outputs. */
export interface ModelOutputRef {
  readonly output: string;
  readonly index?: number;
}

/** <repository>/<model>/<version>/config.yaml, parsed and checked. */
export interface ModelConfig {
  readonly name: string;
  readonly version: number;
  /**
   * onnx: model.onnx scored with the feature spec. heuristic: no graph, only the `predict` export of
   * the version's hooks.ts (a first release with no trained model); `inputs` and `outputs` are unused.
   * Absent: onnx.
   */
  readonly kind?: 'onnx' | 'heuristic';
  readonly description?: string;
  readonly inputs: readonly ModelInputSpec[];
  readonly outputs: {
    readonly score: ModelOutputRef;
    readonly label?: ModelOutputRef;
  };
  /** The rule for a required field that is missing or null. Only 'dlq' exists today. */
  readonly missingRequired: 'dlq';
  readonly batching?: {
    readonly maxBatchSize?: number;
    readonly maxDelayMs?: number;
    readonly targetBatchMs?: number;
  };
}

/** A model found on disk: its config, the absolute path of its model.onnx, and of its hooks.ts if any. */
export interface ModelEntry {
  readonly config: ModelConfig;
  /** Absent for a heuristic model. */
  readonly onnxPath?: string;
  readonly hooksPath?: string;
  /** Its training feature statistics, from feature-stats.json beside config.yaml, when that file is there. */
  readonly stats?: FeatureStats;
}

/** A tensor as it crosses to a worker: typed-array buffers are transferred, not copied. */
export type TensorPayload =
  | { readonly dtype: 'float32'; readonly dims: readonly number[]; readonly data: Float32Array }
  | { readonly dtype: 'int64'; readonly dims: readonly number[]; readonly data: BigInt64Array }
  | { readonly dtype: 'string'; readonly dims: readonly number[]; readonly data: string[] };

export type Feeds = Readonly<Record<string, TensorPayload>>;

/** What the model said about a batch, one entry per row, in row order. */
export interface BatchScores {
  readonly scores: Float64Array;
  /** Present when the model config names a label output; int64 labels arrive as decimal strings. */
  readonly labels?: readonly string[];
  /** Time spent in session.run inside the worker. */
  readonly inferMs: number;
}

/** One graph input as the ONNX model declares it, for checking a feature spec at start-up. */
export interface GraphInputInfo {
  readonly name: string;
  /** ORT's element type name: 'float32', 'int64', 'string', ... */
  readonly type: string;
  /** Symbolic dimensions are strings or -1; fixed ones are numbers. */
  readonly dims: readonly (number | string)[];
}

/** One graph output as the ONNX model declares it; the same shape as an input's. */
export type GraphOutputInfo = GraphInputInfo;

/** What a worker reports about a loaded model's graph, for the start-up feature-spec check. */
export interface GraphDescription {
  readonly inputs: readonly GraphInputInfo[];
  /** Output names, in graph order. */
  readonly outputs: readonly string[];
  /** Output types and dims, in the same order as `outputs`. */
  readonly outputInfo: readonly GraphOutputInfo[];
}
