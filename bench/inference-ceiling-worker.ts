/**
 * One thread of the inference ceiling: its own onnxruntime-node session, with the scorer's worker
 * options, running the same pre-built batch back to back. No piscina and no transfer per call: this is
 * the most a thread can score, for the pool and the batching to be measured against.
 */
import { performance } from 'node:perf_hooks';
import { parentPort, workerData } from 'node:worker_threads';
import type { Feeds, ModelEntry } from '../src/inference/types.ts';
import { fetchesFor, openSession, toTensors } from './subjects/ort-session.ts';

export interface CeilingWorkerData {
  readonly model: ModelEntry;
}

/** Main thread to worker. */
export type CeilingRequest =
  | { readonly kind: 'measure'; readonly batchSize: number; readonly feeds: Feeds; readonly warmupMs: number; readonly durationMs: number }
  | { readonly kind: 'close' };

/** Worker to main thread. */
export type CeilingReply =
  | { readonly kind: 'ready' }
  | { readonly kind: 'measured'; readonly batchSize: number; readonly runs: number; readonly elapsedMs: number }
  | { readonly kind: 'failed'; readonly message: string };

const port = parentPort;
if (port === null) throw new Error('bench/inference-ceiling-worker.ts runs as a worker thread of bench/inference-ceiling.ts');
const { model } = workerData as CeilingWorkerData;
const reply = (message: CeilingReply) => port.postMessage(message);
const fetches = fetchesFor(model.config.outputs);

async function measure(request: Extract<CeilingRequest, { kind: 'measure' }>): Promise<CeilingReply> {
  const tensors = toTensors(request.feeds);
  const warmEnd = performance.now() + request.warmupMs;
  do await session.run(tensors, fetches);
  while (performance.now() < warmEnd);
  let runs = 0;
  const started = performance.now();
  let elapsedMs = 0;
  while (elapsedMs < request.durationMs) {
    await session.run(tensors, fetches);
    runs++;
    elapsedMs = performance.now() - started;
  }
  return { kind: 'measured', batchSize: request.batchSize, runs, elapsedMs };
}

const failed = (error: unknown): CeilingReply => ({ kind: 'failed', message: error instanceof Error ? error.message : String(error) });

const session = await openSession(model).catch((error: unknown) => {
  reply(failed(error));
  throw error;
});
port.on('message', (request: CeilingRequest) => {
  if (request.kind === 'close') {
    void session.release().finally(() => port.close());
    return;
  }
  measure(request).then(reply, (error: unknown) => reply(failed(error)));
});
reply({ kind: 'ready' });
