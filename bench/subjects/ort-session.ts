/**
 * onnxruntime-node as the scorer's inference workers use it (src/inference/session.ts), for the
 * baselines that call it directly: the naive scorer and the inference ceiling.
 */
import type * as ort from 'onnxruntime-node';
import { modelId } from '../../src/core/model-id.ts';
import { fetchesFor, openSession as openOnnx, type RowScores, readScores } from '../../src/inference/session.ts';
import type { ModelConfig, ModelEntry } from '../../src/inference/types.ts';

export { fetchesFor, toTensors } from '../../src/inference/session.ts';

/** Rejects for a heuristic model: it has no graph, and the baselines measure onnxruntime-node. */
export function openSession(entry: ModelEntry): Promise<ort.InferenceSession> {
  if (entry.onnxPath === undefined) {
    const id = modelId(entry.config.name, entry.config.version);
    return Promise.reject(new Error(`model ${id} has no model.onnx (kind ${entry.config.kind ?? 'onnx'}): the baselines score ONNX graphs only`));
  }
  return openOnnx(entry.onnxPath);
}

/** Runs one batch of `rows` rows and reads the score (and label) columns the config names. */
export async function scoreRows(session: ort.InferenceSession, config: ModelConfig, tensors: Record<string, ort.Tensor>, rows: number): Promise<RowScores> {
  return readScores(await session.run(tensors, fetchesFor(config.outputs)), rows, config.outputs);
}
