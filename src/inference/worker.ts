/**
 * The piscina worker entry: one onnxruntime-node session per model version per thread, created when the
 * thread starts or when the main thread broadcasts a new model set (hot reload: model-table.ts,
 * model-sync.ts), and the per-batch work off the Kafka thread: decode, features, scoring, prediction
 * encoding (score-records.ts for a model's batch, src/flows/executor.ts for a flow's, with its Redis
 * enrichment: src/flows/enrich/, one connection and cache per flow and thread). A heuristic model
 * has no session: its hooks.ts `predict` scores it. Only this file and session.ts import
 * onnxruntime-node. A start-up model, hook or flow that fails to load throws at the top level, so the
 * thread fails in bootstrap and the pool's start-up fails with it; a broadcast set's failures are
 * answered as data, and so is everything after start-up.
 */

import { performance } from 'node:perf_hooks';
import { BroadcastChannel, threadId, workerData } from 'node:worker_threads';
import * as ort from 'onnxruntime-node';
import { Piscina } from 'piscina';
import { compileFeatureMapper } from '../codecs/features.ts';
import type { OutputSpec } from '../codecs/prediction-encoder.ts';
import { modelId } from '../core/model-id.ts';
import { compileBinCounter } from '../drift/bin-counter.ts';
import { Enrichers } from '../flows/enrich/enrichers.ts';
import { EventDecoder } from '../flows/event-decoder.ts';
import { executeFlow } from '../flows/executor.ts';
import type { GraphModel, HeuristicModel } from '../flows/flow-model.ts';
import { loadFlows } from '../flows/flow-table.ts';
import { loadModelHooks } from '../flows/hook-loader.ts';
import { ModelTable } from './model-table.ts';
import type {
  ControlMessage,
  DescribedReply,
  InferenceWorkerData,
  ModelSetSynced,
  ScoreFlowRequest,
  ScoreRecordsRequest,
  WorkerHello,
  WorkerModel,
  WorkerReply,
  WorkerRequest,
} from './protocol.ts';
import { failedReply, flowReplyBuffers, recordsReplyBuffers } from './protocol.ts';
import { scoreRecords } from './score-records.ts';
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

interface Loaded extends GraphModel {
  readonly session: ort.InferenceSession;
}

type Served = Loaded | HeuristicModel;

async function loadGraph(model: WorkerModel, hooks: GraphModel['hooks']): Promise<Loaded> {
  const { config: graph, onnxPath } = model;
  const id = modelId(graph.name, graph.version);
  if (onnxPath === undefined) throw new Error(`model ${id} is of kind onnx but has no model.onnx`);
  const session = await openSession(onnxPath).catch((err: unknown) => {
    const reason = err instanceof Error ? err.message : String(err);
    throw new Error(`model ${id} (${onnxPath}) failed to load: ${reason}`);
  });
  await warmUp(session);
  const fetches = fetchesFor(graph.outputs);
  const mapper = compileFeatureMapper(graph, config.limits);
  return {
    kind: 'onnx',
    session,
    hooks,
    config: graph,
    mapper,
    run: async (feeds, rows) => readScores(await session.run(toTensors(feeds), fetches), rows, graph.outputs),
    ...(model.stats === undefined ? {} : { bins: compileBinCounter(model.stats, mapper.fields) }),
  };
}

async function loadModel(model: WorkerModel): Promise<Served> {
  const { predict, ...hooks } = await loadModelHooks(model.config, model.hooksPath);
  return predict === undefined ? await loadGraph(model, hooks) : { kind: 'heuristic' as const, config: model.config, predict, hooks };
}

const enrichers = new Enrichers();

const table = new ModelTable<Served>({
  load: loadModel,
  close: async (model) => {
    if (model.kind === 'onnx') await model.session.release();
  },
  compile: (plans, models) => loadFlows(plans, models, (plan) => enrichers.for(plan)),
});

/**
 * Hot reload (model-sync.ts): the main thread broadcasts the model set; this thread applies it and says
 * so. A thread that starts after a switch finds the shared generation ahead of generation 0, so it
 * skips workerData's (possibly released) models and asks for the current set before taking any task.
 */
const channel = new BroadcastChannel(config.control.channel);
let caughtUp: Promise<void> | undefined;
let reachedGeneration: () => void = () => {};

function sayHello(): Promise<void> {
  caughtUp ??= new Promise<void>((resolve) => {
    reachedGeneration = resolve;
    const hello: WorkerHello = { kind: 'hello', threadId, generation: table.generation };
    channel.postMessage(hello);
  });
  return caughtUp;
}

channel.onmessage = (event) => {
  const message = (event as MessageEvent).data as ControlMessage;
  if (message.kind !== 'sync') return;
  void table.apply(message).then((failures) => {
    const synced: ModelSetSynced = { kind: 'synced', threadId, generation: table.generation, failures };
    channel.postMessage(synced);
    if (table.generation >= Atomics.load(config.control.generation, 0)) {
      caughtUp = undefined;
      reachedGeneration();
    }
  });
};

if (Atomics.load(config.control.generation, 0) === 0) await table.start(config.models, config.flows);
if (Atomics.load(config.control.generation, 0) > table.generation) await sayHello();

const codecs = new ThreadCodecs();
const events = new EventDecoder();

function describe(model: Served): DescribedReply {
  if (model.kind === 'heuristic') return { kind: 'described', inputs: [], outputs: [], outputInfo: [] };
  const outputInfo = describeValues(model.session.outputMetadata);
  return { kind: 'described', inputs: describeValues(model.session.inputMetadata), outputs: outputInfo.map((o) => o.name), outputInfo };
}

/** Sub-millisecond wall-clock time, comparable with the main thread's (both count from the epoch). */
const epochNow = (): number => performance.timeOrigin + performance.now();

/** The reply, with its buffers moved without a copy: on the main thread they become the produced records' values. */
function moved(reply: WorkerReply, buffers: readonly ArrayBuffer[]): WorkerReply {
  const movable = { [Piscina.transferableSymbol]: buffers, [Piscina.valueSymbol]: reply };
  return Piscina.move(movable as unknown as Parameters<typeof Piscina.move>[0]) as unknown as WorkerReply;
}

async function scoreModel(request: ScoreRecordsRequest): Promise<WorkerReply> {
  const model = table.model(request.model, request.version);
  if (model.kind === 'heuristic') throw new Error(`model ${modelId(request.model, request.version)} is heuristic: only a flow scores it`);
  const startedAt = epochNow();
  const reply = await scoreRecords(request, model, codecs.for(request, model), performance);
  return moved({ ...reply, startedAt }, recordsReplyBuffers(reply));
}

async function scoreFlow(request: ScoreFlowRequest): Promise<WorkerReply> {
  const flow = table.flow(request.flow, request.plans ?? 0);
  const startedAt = epochNow();
  const flowCodecs = { events, writer: (output: OutputSpec) => codecs.writer(output), featureLog: (schemaId: number) => codecs.featureLog(schemaId) };
  const reply = await executeFlow(request, flow, flowCodecs, performance);
  return moved({ ...reply, startedAt }, flowReplyBuffers(reply));
}

export default async function handle(request: WorkerRequest): Promise<WorkerReply> {
  try {
    // Cheap insurance: a set newer than this thread's is applied before the task reads it.
    if (Atomics.load(config.control.generation, 0) > table.generation) await sayHello();
    if (request.kind === 'describe') return describe(table.model(request.model, request.version));
    // Blocks the thread, as a slow model would, so drills can kill a worker that surely holds a batch.
    if (config.injectDelayMs > 0) Atomics.wait(sleeper, 0, 0, config.injectDelayMs);
    return request.kind === 'score-flow' ? await scoreFlow(request) : await scoreModel(request);
  } catch (err) {
    return failedReply(err);
  }
}
