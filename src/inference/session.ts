/**
 * How stream-scorer drives onnxruntime-node: the session options, feeds to tensors, which outputs to
 * fetch and how scores are read from them. The inference worker uses it, and so do the benchmark's
 * baselines that call onnxruntime-node directly, so a baseline runs the model exactly as the scorer does.
 */
import * as ort from 'onnxruntime-node';
import { extractLabels, extractScores } from './output-columns.ts';
import type { Feeds, ModelConfig, TensorPayload } from './types.ts';

/**
 * One intra-op thread and no spinning: the pool already runs one thread per core, and ORT's default
 * (a spinning pool per session sized to the cores) oversubscribes the CPU (microsoft/onnxruntime#17011).
 */
export const SESSION_OPTIONS: ort.InferenceSession.SessionOptions = {
  // ORT's own logger writes ANSI-coloured lines straight to stderr, into the middle of the JSON log;
  // every failure it would describe also comes back as the exception the worker reports.
  logSeverityLevel: 4,
  intraOpNumThreads: 1,
  interOpNumThreads: 1,
  executionMode: 'sequential',
  graphOptimizationLevel: 'all',
  extra: { session: { intra_op: { allow_spinning: '0' } } },
};

export function openSession(onnxPath: string): Promise<ort.InferenceSession> {
  return ort.InferenceSession.create(onnxPath, SESSION_OPTIONS);
}

function toTensor(payload: TensorPayload): ort.Tensor {
  // Typed arrays on plain ArrayBuffers are wrapped by ORT without a copy.
  switch (payload.dtype) {
    case 'float32':
      return new ort.Tensor('float32', payload.data, payload.dims);
    case 'int64':
      return new ort.Tensor('int64', payload.data, payload.dims);
    case 'string':
      return new ort.Tensor('string', payload.data, payload.dims);
  }
}

export function toTensors(feeds: Feeds): Record<string, ort.Tensor> {
  const tensors: Record<string, ort.Tensor> = {};
  for (const [name, payload] of Object.entries(feeds)) tensors[name] = toTensor(payload);
  return tensors;
}

/** Only the outputs the config names: sklearn's ZipMap outputs cannot be read (microsoft/onnxruntime#8007). */
export function fetchesFor(outputs: ModelConfig['outputs']): string[] {
  const { score, label } = outputs;
  return [...new Set([score.output, ...(label === undefined ? [] : [label.output])])];
}

export interface RowScores {
  readonly scores: Float64Array;
  readonly labels?: string[];
}

function outputOf(results: ort.InferenceSession.ReturnType, name: string): ort.Tensor {
  const tensor = results[name];
  if (tensor === undefined) throw new Error(`session.run returned no output ${name}`);
  return tensor;
}

/** The score (and label) columns the config names, from one run's results of `rows` rows. */
export function readScores(results: ort.InferenceSession.ReturnType, rows: number, outputs: ModelConfig['outputs']): RowScores {
  const scores = extractScores(outputOf(results, outputs.score.output), rows, outputs.score);
  const label = outputs.label;
  return label === undefined ? { scores } : { scores, labels: extractLabels(outputOf(results, label.output), rows, label) };
}
