/**
 * The piscina worker entry: one onnxruntime-node session per model per thread, created when the thread
 * starts, and the per-batch work off the Kafka thread: decode, features, scoring, prediction encoding
 * (score-records.ts). Only this file and session.ts import onnxruntime-node. A model that fails to load
 * throws at the top level, so the thread fails in bootstrap and the pool's start-up fails with it;
 * everything after start-up replies with data, never throws.
 */

import { performance } from 'node:perf_hooks';
import { workerData } from 'node:worker_threads';
import * as ort from 'onnxruntime-node';
import { Piscina } from 'piscina';
import { compileFeatureMapper } from '../codecs/features.ts';
import { modelId } from '../core/model-id.ts';
import type { DescribedReply, InferenceWorkerData, ScoreRecordsRequest, WorkerReply, WorkerRequest } from './protocol.ts';
import { failedReply } from './protocol.ts';
import { type RecordsModel, scoreRecords } from './score-records.ts';
import { fetchesFor, openSession, readScores, toTensors } from './session.ts';
import { ThreadCodecs } from './thread-codecs.ts';
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

interface Loaded extends RecordsModel {
  readonly session: ort.InferenceSession;
}

async function loadModels(): Promise<Map<string, Loaded>> {
  const models = new Map<string, Loaded>();
  for (const { config: model, onnxPath } of config.models) {
    const id = modelId(model.name, model.version);
    const session = await openSession(onnxPath).catch((err: unknown) => {
      const reason = err instanceof Error ? err.message : String(err);
      throw new Error(`model ${id} (${onnxPath}) failed to load: ${reason}`);
    });
    await warmUp(session);
    const fetches = fetchesFor(model.outputs);
    models.set(id, {
      session,
      config: model,
      mapper: compileFeatureMapper(model, config.limits),
      run: async (feeds, rows) => readScores(await session.run(toTensors(feeds), fetches), rows, model.outputs),
    });
  }
  return models;
}

const models = await loadModels();
const codecs = new ThreadCodecs();

function modelFor(name: string, version: number): Loaded {
  const model = models.get(modelId(name, version));
  if (model === undefined) throw new Error(`model ${modelId(name, version)} is not loaded in this worker`);
  return model;
}

function describe(session: ort.InferenceSession): DescribedReply {
  const outputInfo = describeValues(session.outputMetadata);
  return { kind: 'described', inputs: describeValues(session.inputMetadata), outputs: outputInfo.map((o) => o.name), outputInfo };
}

async function score(request: ScoreRecordsRequest): Promise<WorkerReply> {
  // Blocks the thread, as a slow model would, so drills can kill a worker that surely holds a batch.
  if (config.injectDelayMs > 0) Atomics.wait(sleeper, 0, 0, config.injectDelayMs);
  const model = modelFor(request.model, request.version);
  const reply = await scoreRecords(request, model, codecs.for(request, model), performance);
  // The buffers go back without a copy; on the main thread they become the produced records' values.
  const movable = { [Piscina.transferableSymbol]: [reply.encoded.buffer, reply.ends.buffer], [Piscina.valueSymbol]: reply };
  return Piscina.move(movable as unknown as Parameters<typeof Piscina.move>[0]) as unknown as WorkerReply;
}

export default async function handle(request: WorkerRequest): Promise<WorkerReply> {
  try {
    return request.kind === 'describe' ? describe(modelFor(request.model, request.version).session) : await score(request);
  } catch (err) {
    return failedReply(err);
  }
}
