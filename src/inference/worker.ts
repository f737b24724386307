/**
 * The piscina worker entry: one onnxruntime-node session per model per thread, created when the thread
 * starts. Only this file and session.ts import onnxruntime-node. A model that fails to load throws at the top level,
 * so the thread fails in bootstrap and the pool's start-up fails with it; everything after start-up
 * replies with data, never throws.
 */

import { performance } from 'node:perf_hooks';
import { workerData } from 'node:worker_threads';
import * as ort from 'onnxruntime-node';
import { modelId } from '../core/model-id.ts';
import type { DescribedReply, InferenceWorkerData, ScoredReply, ScoreRequest, WorkerReply, WorkerRequest } from './protocol.ts';
import { failedReply } from './protocol.ts';
import { fetchesFor, openSession, readScores, toTensors } from './session.ts';
import type { GraphInputInfo } from './types.ts';

const config = workerData as InferenceWorkerData;
const sleeper = new Int32Array(new SharedArrayBuffer(4));

function describeValues(metadata: readonly ort.InferenceSession.ValueMetadata[]): GraphInputInfo[] {
  return metadata.map((value) =>
    value.isTensor ? { name: value.name, type: value.type, dims: [...value.shape] } : { name: value.name, type: 'non-tensor', dims: [] },
  );
}

/** A one-row input of zeros or empty strings, in whatever shape the graph declares. */
function warmUpTensor(value: ort.InferenceSession.ValueMetadata): ort.Tensor | undefined {
  if (!value.isTensor) return undefined;
  const dims = value.shape.map((d) => (typeof d === 'number' && d > 0 ? d : 1));
  const size = dims.reduce((a, b) => a * b, 1);
  if (value.type === 'float32') return new ort.Tensor('float32', new Float32Array(size), dims);
  if (value.type === 'int64') return new ort.Tensor('int64', new BigInt64Array(size), dims);
  if (value.type === 'string') return new ort.Tensor('string', new Array<string>(size).fill(''), dims);
  return undefined;
}

/**
 * Runs the graph once so the first real batch does not pay for lazy allocations. Best effort: a model may
 * reject zeros or empty strings, and a real fault will show on a real batch anyway.
 */
async function warmUp(session: ort.InferenceSession): Promise<void> {
  const feeds: Record<string, ort.Tensor> = {};
  for (const input of session.inputMetadata) {
    const tensor = warmUpTensor(input);
    if (tensor === undefined) return;
    feeds[input.name] = tensor;
  }
  const tensorOutputs = session.outputMetadata.filter((o) => o.isTensor).map((o) => o.name);
  await session.run(feeds, tensorOutputs).catch(() => undefined);
}

async function loadSessions(): Promise<Map<string, ort.InferenceSession>> {
  const sessions = new Map<string, ort.InferenceSession>();
  for (const model of config.models) {
    const session = await openSession(model.onnxPath).catch((err: unknown) => {
      const reason = err instanceof Error ? err.message : String(err);
      throw new Error(`model ${modelId(model.name, model.version)} (${model.onnxPath}) failed to load: ${reason}`);
    });
    await warmUp(session);
    sessions.set(modelId(model.name, model.version), session);
  }
  return sessions;
}

const sessions = await loadSessions();

function sessionFor(model: string, version: number): ort.InferenceSession {
  const session = sessions.get(modelId(model, version));
  if (session === undefined) throw new Error(`model ${modelId(model, version)} is not loaded in this worker`);
  return session;
}

function describe(session: ort.InferenceSession): DescribedReply {
  const outputInfo = describeValues(session.outputMetadata);
  return { kind: 'described', inputs: describeValues(session.inputMetadata), outputs: outputInfo.map((o) => o.name), outputInfo };
}

async function score(session: ort.InferenceSession, request: ScoreRequest): Promise<ScoredReply> {
  // Blocks the thread, as a slow model would, so drills can kill a worker that surely holds a batch.
  if (config.injectDelayMs > 0) Atomics.wait(sleeper, 0, 0, config.injectDelayMs);
  const feeds = toTensors(request.feeds);
  const started = performance.now();
  const results = await session.run(feeds, fetchesFor(request.outputs));
  const inferMs = performance.now() - started;
  const { scores, labels } = readScores(results, request.rows, request.outputs);
  return labels === undefined ? { kind: 'scored', scores, inferMs } : { kind: 'scored', scores, labels, inferMs };
}

export default async function handle(request: WorkerRequest): Promise<WorkerReply> {
  try {
    const session = sessionFor(request.model, request.version);
    return request.kind === 'describe' ? describe(session) : await score(session, request);
  } catch (err) {
    return failedReply(err);
  }
}
