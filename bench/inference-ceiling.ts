/**
 * The inference ceiling (PROTOCOL.md, baselines): the model in raw onnxruntime-node on `threads` worker
 * threads, each with its own session and the scorer's session options, running pre-built batches back
 * to back with no Kafka and no piscina. The rows come from generated payment events through the product's
 * feature mapper, so the data (and the fraud model's string categoricals) look like production's.
 *
 *   node bench/inference-ceiling.ts --model heavy --threads 1 --duration 5s [--batch-sizes 64,256,1024] [--models-dir models]
 */
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { REPO_ROOT } from '../devtools/scorer-process.ts';
import { createEventGenerator } from '../loadgen/events.ts';
import { parseDuration } from '../loadgen/profile.ts';
import { compileFeatureMapper, featureFeeds } from '../src/codecs/features.ts';
import type { Feeds, ModelEntry } from '../src/inference/types.ts';
import { loadModelRepository } from '../src/models/repository.ts';
import type { CeilingReply, CeilingRequest, CeilingWorkerData } from './inference-ceiling-worker.ts';
import { type BenchModel, MODELS } from './subjects/args.ts';
import { FlagError, oneOf, parseFlags, positiveInt, positiveIntList, required } from './subjects/flags.ts';

export interface InferenceCeilingOptions {
  readonly model: BenchModel;
  readonly threads: number;
  /** @defaultValue [64, 256, 1024] */
  readonly batchSizes?: readonly number[];
  /** Measured time per batch size, after a warm-up of a fifth of it (at most 1 s). */
  readonly durationMs: number;
  /** @defaultValue the repository's models/ */
  readonly modelsDir?: string;
}

export interface CeilingResult {
  readonly batchSize: number;
  /** Summed over the threads. */
  readonly rowsPerSec: number;
  /** One session.run of this batch size, averaged over the threads. */
  readonly msPerBatch: number;
}

export interface InferenceCeiling {
  readonly model: BenchModel;
  readonly threads: number;
  readonly results: CeilingResult[];
  readonly best: { readonly batchSize: number; readonly rowsPerSec: number };
}

export const DEFAULT_BATCH_SIZES: readonly number[] = [64, 256, 1024];
const WORKER = new URL('./inference-ceiling-worker.ts', import.meta.url);
/** Generated events are well-formed; the mapper's string limit only guards against hostile input. */
const LIMITS = { maxStringFeatureLength: 1024 };

/** `rows` feature rows from seeded payment events (seed fixed, so runs compare like with like). */
function featureRows(entry: ModelEntry, rows: number): { pack(n: number): Feeds } {
  const mapper = compileFeatureMapper(entry.config, LIMITS);
  const events = createEventGenerator({ seed: 1 });
  const start = Date.UTC(2025, 0, 1);
  const sample = Array.from({ length: rows }, (_, i) => events.next(start + i * 1000));
  return { pack: (n) => featureFeeds(mapper, sample.slice(0, n)) };
}

class CeilingThread {
  readonly #worker: Worker;
  #waiting: ((reply: CeilingReply) => void) | undefined;
  #failure: Error | undefined;
  readonly #exited: Promise<void>;
  readonly ready: Promise<void>;

  constructor(model: ModelEntry) {
    const workerData: CeilingWorkerData = { model };
    this.#worker = new Worker(WORKER, { workerData });
    this.#worker.on('message', (reply: CeilingReply) => this.#settle(reply));
    this.#worker.on('error', (error) => this.#settle({ kind: 'failed', message: error.message }));
    this.#exited = new Promise((resolve) =>
      this.#worker.once('exit', (code) => {
        this.#settle({ kind: 'failed', message: `inference thread exited with code ${code}` });
        resolve();
      }),
    );
    this.ready = this.#next().then(() => undefined);
  }

  #settle(reply: CeilingReply): void {
    if (reply.kind === 'failed') this.#failure ??= new Error(`inference ceiling thread: ${reply.message}`);
    const waiting = this.#waiting;
    this.#waiting = undefined;
    waiting?.(reply);
  }

  #next(): Promise<CeilingReply> {
    if (this.#failure) return Promise.reject(this.#failure);
    return new Promise((resolve, reject) => {
      this.#waiting = (reply) => (reply.kind === 'failed' ? reject(this.#failure) : resolve(reply));
    });
  }

  async measure(request: Extract<CeilingRequest, { kind: 'measure' }>): Promise<{ runs: number; elapsedMs: number }> {
    const answer = this.#next();
    this.#worker.postMessage(request);
    const reply = await answer;
    if (reply.kind !== 'measured') throw new Error(`inference ceiling thread answered ${reply.kind} to measure`);
    return reply;
  }

  async close(): Promise<void> {
    if (this.#failure) await this.#worker.terminate();
    else this.#worker.postMessage({ kind: 'close' } satisfies CeilingRequest);
    await this.#exited;
  }
}

export async function measureInferenceCeiling(options: InferenceCeilingOptions): Promise<InferenceCeiling> {
  const batchSizes = options.batchSizes ?? DEFAULT_BATCH_SIZES;
  if (batchSizes.length === 0) throw new Error('batchSizes must name at least one batch size');
  if (!Number.isInteger(options.threads) || options.threads < 1) throw new Error(`threads must be a positive integer, got ${options.threads}`);
  // Version 1, as the scorer subject serves it (bench/subject.ts).
  const [entry] = await loadModelRepository(options.modelsDir ?? join(REPO_ROOT, 'models'), [{ name: options.model, version: 1 }]);
  if (entry === undefined) throw new Error(`model ${options.model} was not loaded`);
  const rows = featureRows(entry, Math.max(...batchSizes));
  const warmupMs = Math.min(1000, Math.max(20, Math.round(options.durationMs / 5)));
  const threads = Array.from({ length: options.threads }, () => new CeilingThread(entry));
  const results: CeilingResult[] = [];
  try {
    await Promise.all(threads.map((t) => t.ready));
    for (const batchSize of batchSizes) {
      const feeds = rows.pack(batchSize);
      const measured = await Promise.all(threads.map((t) => t.measure({ kind: 'measure', batchSize, feeds, warmupMs, durationMs: options.durationMs })));
      const rowsPerSec = measured.reduce((sum, m) => sum + (m.runs * batchSize * 1000) / m.elapsedMs, 0);
      const msPerBatch = measured.reduce((sum, m) => sum + m.elapsedMs / m.runs, 0) / measured.length;
      results.push({ batchSize, rowsPerSec, msPerBatch });
    }
  } finally {
    await Promise.all(threads.map((t) => t.close()));
  }
  const best = results.reduce((a, b) => (b.rowsPerSec > a.rowsPerSec ? b : a));
  return { model: options.model, threads: options.threads, results, best: { batchSize: best.batchSize, rowsPerSec: best.rowsPerSec } };
}

export function formatCeiling(ceiling: InferenceCeiling, durationMs: number): string {
  const int = (n: number) => Math.round(n).toLocaleString('en-US');
  const lines = [
    `inference ceiling: ${ceiling.model}, ${ceiling.threads} thread(s), ${durationMs / 1000} s per batch size`,
    `${'batch'.padStart(6)}  ${'rows/s'.padStart(12)}  ${'ms/batch'.padStart(9)}`,
    ...ceiling.results.map((r) => `${String(r.batchSize).padStart(6)}  ${int(r.rowsPerSec).padStart(12)}  ${r.msPerBatch.toFixed(3).padStart(9)}`),
    `best: ${int(ceiling.best.rowsPerSec)} rows/s at batch ${ceiling.best.batchSize}`,
  ];
  return lines.join('\n');
}

const USAGE = 'usage: node bench/inference-ceiling.ts --model fraud|heavy [--threads 1] [--duration 5s] [--batch-sizes 64,256,1024] [--models-dir DIR]';

function parseCli(argv: readonly string[]): InferenceCeilingOptions {
  const values = parseFlags(argv, {
    model: { type: 'string' },
    threads: { type: 'string', default: '1' },
    duration: { type: 'string', default: '5s' },
    'batch-sizes': { type: 'string', default: DEFAULT_BATCH_SIZES.join(',') },
    'models-dir': { type: 'string' },
  });
  const durationMs = parseDuration(required('duration', values.duration), '--duration');
  if (durationMs <= 0) throw new FlagError('--duration must be longer than 0');
  return {
    model: oneOf('model', required('model', values.model), MODELS),
    threads: positiveInt('threads', required('threads', values.threads)),
    durationMs,
    batchSizes: positiveIntList('batch-sizes', required('batch-sizes', values['batch-sizes'])),
    ...(values['models-dir'] === undefined ? {} : { modelsDir: values['models-dir'] }),
  };
}

if (import.meta.main) {
  let options: InferenceCeilingOptions;
  try {
    options = parseCli(process.argv.slice(2));
  } catch (error) {
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n${USAGE}\n`);
    process.exit(2);
  }
  const ceiling = await measureInferenceCeiling(options);
  process.stdout.write(`${formatCeiling(ceiling, options.durationMs)}\n`);
}
