import assert from 'node:assert/strict';
import { copyFile, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { isScorerError } from '../../../src/errors.ts';
import type { InferencePoolOptions } from '../../../src/inference/pool.ts';
import { InferencePool } from '../../../src/inference/pool.ts';
import type { ModelEntry } from '../../../src/inference/types.ts';
import { loadModelRepository } from '../../../src/models/repository.ts';
import type { TestEvent } from './batch-feeds.ts';
import { buildBatch } from './batch-feeds.ts';

const MODELS = fileURLToPath(new URL('../../../models', import.meta.url));
// Guards against hangs only; nothing here asserts on time.
const HANG_GUARD = { timeout: 30_000 };

const golden = JSON.parse(await readFile(path.join(MODELS, 'fraud', '1', 'golden.json'), 'utf8')) as {
  rows: { event: TestEvent; score: number; label: string }[];
};
const EVENTS = golden.rows.slice(0, 8).map((row) => row.event);

const cleanups: (() => Promise<unknown>)[] = [];
after(() => Promise.all(cleanups.map((cleanup) => cleanup())));

async function startPool(options: Partial<InferencePoolOptions> & { models: readonly ModelEntry[] }): Promise<InferencePool> {
  const pool = await InferencePool.start({ threads: 1, maxAttempts: 3, injectDelayMs: 0, ...options });
  cleanups.push(() => pool.close());
  return pool;
}

/** A private copy of fraud:1, so a test may corrupt its model.onnx. */
async function copyOfFraud(): Promise<{ root: string; onnx: string }> {
  const root = await mkdtemp(path.join(tmpdir(), 'pool-test-'));
  cleanups.push(() => rm(root, { recursive: true, force: true }));
  await mkdir(path.join(root, 'fraud', '1'), { recursive: true });
  for (const file of ['config.yaml', 'model.onnx']) {
    await copyFile(path.join(MODELS, 'fraud', '1', file), path.join(root, 'fraud', '1', file));
  }
  return { root, onnx: path.join(root, 'fraud', '1', 'model.onnx') };
}

const [fraud] = (await loadModelRepository(MODELS, [{ name: 'fraud', version: 1 }])) as [ModelEntry];

function scoreFraud(pool: InferencePool, events: readonly TestEvent[] = EVENTS) {
  return pool.score('fraud', 1, fraud.config.outputs, () => buildBatch(fraud.config, events));
}

describe('InferencePool', () => {
  test('scores a batch and reports the graph of a loaded model', HANG_GUARD, async () => {
    const pool = await startPool({ models: [fraud], threads: 2 });
    assert.equal(pool.threads, 2);
    assert.equal(pool.workerThreads.length, 2);
    const graph = await pool.describe('fraud', 1);
    assert.deepEqual(graph.outputs, ['label', 'probabilities']);
    assert.deepEqual(
      graph.inputs.map((i) => i.name),
      ['numeric', 'merchant_category', 'channel', 'country'],
    );
    const outcome = await scoreFraud(pool);
    assert.ok(outcome.ok);
    assert.equal(outcome.attempts, 1);
    assert.equal(outcome.scores.scores.length, EVENTS.length);
    assert.deepEqual(
      outcome.scores.labels,
      golden.rows.slice(0, 8).map((r) => r.label),
    );
    assert.equal(pool.busy, 0);
    assert.equal(pool.workerRestarts, 0);
  });

  test('a batch whose worker dies is submitted again to the replacement', HANG_GUARD, async () => {
    const pool = await startPool({ models: [fraud], injectDelayMs: 400 });
    let builds = 0;
    const pending = pool.score('fraud', 1, fraud.config.outputs, () => {
      builds++;
      return buildBatch(fraud.config, EVENTS);
    });
    assert.equal(pool.busy, 1);
    await sleep(100); // the worker is now blocked in the injected delay, holding the batch
    const [worker] = pool.workerThreads;
    assert.ok(worker);
    await worker.terminate();
    const outcome = await pending;
    assert.ok(outcome.ok, outcome.ok ? '' : outcome.message);
    assert.ok(outcome.attempts >= 2);
    assert.equal(builds, outcome.attempts);
    assert.ok(pool.workerRestarts >= 1);
    assert.ok(pool.batchRetries >= 1);
    assert.equal(pool.busy, 0);
    golden.rows.slice(0, 8).forEach((row, i) => {
      assert.ok(Math.abs((outcome.scores.scores[i] ?? NaN) - row.score) <= 1e-5);
    });
  });

  test('a batch the model rejects comes back at once as a model error, and the pool goes on', HANG_GUARD, async () => {
    const pool = await startPool({ models: [fraud] });
    const outcome = await pool.score('fraud', 1, fraud.config.outputs, () => {
      const batch = buildBatch(fraud.config, EVENTS);
      const numeric = batch.feeds['numeric'];
      assert.ok(numeric?.dtype === 'float32');
      // 29 columns where the graph wants 30: session.run fails inside the worker.
      const feeds = { ...batch.feeds, numeric: { dtype: 'float32', dims: [8, 29], data: numeric.data.slice(0, 8 * 29) } } as const;
      return { feeds, transfer: [] };
    });
    assert.equal(outcome.ok, false);
    assert.ok(!outcome.ok);
    assert.equal(outcome.kind, 'model-error');
    assert.equal(outcome.attempts, 1);
    assert.match(outcome.message, /numeric/);
    assert.equal(pool.batchRetries, 0);
    assert.equal(pool.workerRestarts, 0);
    assert.ok((await scoreFraud(pool)).ok);
  });

  test('a model the worker has not loaded is a model error; describing it fails', HANG_GUARD, async () => {
    const pool = await startPool({ models: [fraud] });
    const outcome = await pool.score('fraud', 2, fraud.config.outputs, () => buildBatch(fraud.config, EVENTS));
    assert.ok(!outcome.ok && outcome.kind === 'model-error');
    assert.match(outcome.message, /fraud:2 is not loaded/);
    await assert.rejects(pool.describe('fraud', 2), (err) => isScorerError(err, 'SCORER_ERR_MODEL_LOAD'));
  });

  test('a corrupt model.onnx makes start() reject with SCORER_ERR_MODEL_LOAD', HANG_GUARD, async () => {
    const { root, onnx } = await copyOfFraud();
    await writeFile(onnx, 'this is not an onnx protobuf');
    const [entry] = await loadModelRepository(root, [{ name: 'fraud' }]);
    assert.ok(entry);
    await assert.rejects(InferencePool.start({ models: [entry], threads: 2, maxAttempts: 3, injectDelayMs: 0 }), (err) => {
      assert.ok(isScorerError(err, 'SCORER_ERR_MODEL_LOAD'));
      assert.match(err.message, /fraud:1/);
      assert.match(err.message, /failed to load/);
      return true;
    });
  });

  test('when no replacement worker can start, the batch fails instead of waiting forever', HANG_GUARD, async () => {
    const { root, onnx } = await copyOfFraud();
    const [entry] = (await loadModelRepository(root, [{ name: 'fraud' }])) as [ModelEntry];
    const pool = await startPool({ models: [entry], injectDelayMs: 400 });
    const pending = scoreFraud(pool);
    await writeFile(onnx, 'corrupted after start');
    await sleep(100);
    await pool.workerThreads[0]?.terminate();
    const outcome = await pending;
    assert.ok(!outcome.ok);
    assert.equal(outcome.kind, 'worker-crash');
    assert.match(outcome.message, /no inference worker is left/);
    const next = await scoreFraud(pool);
    assert.ok(!next.ok && next.kind === 'worker-crash' && next.attempts === 1);
  });

  test('a closed pool fails batches as worker crashes without retrying', HANG_GUARD, async () => {
    const pool = await InferencePool.start({ models: [fraud], threads: 1, maxAttempts: 3, injectDelayMs: 0 });
    await pool.close();
    const outcome = await scoreFraud(pool);
    assert.ok(!outcome.ok);
    assert.equal(outcome.kind, 'worker-crash');
    assert.equal(outcome.attempts, 1);
  });
});
