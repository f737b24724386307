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
import { jsonBatch, predictionsOf, type TestEvent } from './json-records.ts';

const MODELS = fileURLToPath(new URL('../../../models', import.meta.url));
// Guards against hangs only; nothing here asserts on time.
const HANG_GUARD = { timeout: 30_000 };

const golden = JSON.parse(await readFile(path.join(MODELS, 'fraud', '1', 'golden.json'), 'utf8')) as {
  rows: { event: TestEvent; score: number; label: string }[];
};
const EVENTS = golden.rows.slice(0, 8).map((row) => row.event);

const cleanups: (() => Promise<unknown>)[] = [];
const POOL = { threads: 1, maxAttempts: 3, injectDelayMs: 0, limits: { maxStringFeatureLength: 256 } };
after(() => Promise.all(cleanups.map((cleanup) => cleanup())));

async function startPool(options: Partial<InferencePoolOptions> & { models: readonly ModelEntry[] }): Promise<InferencePool> {
  const pool = await InferencePool.start({ ...POOL, ...options });
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
  return pool.score(() => jsonBatch('fraud', 1, events));
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
    const predictions = predictionsOf(outcome.reply);
    assert.deepEqual(
      predictions.map((p) => p.label),
      golden.rows.slice(0, 8).map((r) => r.label),
    );
    assert.deepEqual(
      predictions.map((p) => [p.model_name, p.model_version, p.source_topic, p.source_offset, p.event_timestamp, p.scored_at]),
      EVENTS.map((_, i) => ['fraud', 1, 'features', i, 1000 + i, 5000]),
      'the worker stamps the lineage the request carried',
    );
    assert.equal(pool.busy, 0);
    assert.equal(pool.workerRestarts, 0);
  });

  test('a batch whose worker dies is submitted again to the replacement', HANG_GUARD, async () => {
    const pool = await startPool({ models: [fraud], injectDelayMs: 400 });
    let builds = 0;
    const pending = pool.score(() => {
      builds++;
      return jsonBatch('fraud', 1, EVENTS);
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
    const predictions = predictionsOf(outcome.reply);
    golden.rows.slice(0, 8).forEach((row, i) => {
      assert.ok(Math.abs((predictions[i]?.score ?? NaN) - row.score) <= 1e-5);
    });
  });

  test('a request the worker cannot handle at all comes back at once as a model error, and the pool goes on', HANG_GUARD, async () => {
    const pool = await startPool({ models: [fraud] });
    const outcome = await pool.score(() => {
      const batch = jsonBatch('fraud', 1, EVENTS);
      // Row ends past the end of the values: a malformed request (a bug on the main thread), not a bad record.
      const valueEnds = batch.request.valueEnds.map((end) => end + 1_000_000);
      return { request: { ...batch.request, valueEnds }, transfer: [] };
    });
    assert.ok(!outcome.ok);
    assert.equal(outcome.kind, 'model-error');
    assert.equal(outcome.attempts, 1);
    assert.match(outcome.message, /RangeError/);
    assert.equal(pool.batchRetries, 0);
    assert.equal(pool.workerRestarts, 0);
    assert.ok((await scoreFraud(pool)).ok);
  });

  test('records that do not decode or fit the features fail alone, with their reasons, in the same reply', HANG_GUARD, async () => {
    const pool = await startPool({ models: [fraud] });
    const batch = jsonBatch('fraud', 1, [EVENTS[0] as TestEvent, { ...EVENTS[1], amount: 'lots' }, EVENTS[2] as TestEvent]);
    // Row 0's value made invalid JSON, in place: the request stays well formed.
    batch.request.values[0] = 0x7b + 1;
    const outcome = await pool.score(() => batch);
    assert.ok(outcome.ok, outcome.ok ? '' : outcome.message);
    assert.deepEqual(
      outcome.reply.failures.map((f) => [f.row, f.reason]),
      [
        [0, 'JSON_DECODE'],
        [1, 'FEATURE_TYPE'],
      ],
    );
    assert.equal(outcome.reply.runs, 1, 'the good row was scored in one run');
    assert.ok((outcome.reply.ends[2] ?? 0) > (outcome.reply.ends[1] ?? 0), 'row 2 has its prediction');
  });

  test('a model the worker has not loaded is a model error; describing it fails', HANG_GUARD, async () => {
    const pool = await startPool({ models: [fraud] });
    const outcome = await pool.score(() => jsonBatch('fraud', 2, EVENTS));
    assert.ok(!outcome.ok && outcome.kind === 'model-error');
    assert.match(outcome.message, /fraud:2 is not loaded/);
    await assert.rejects(pool.describe('fraud', 2), (err) => isScorerError(err, 'SCORER_ERR_MODEL_LOAD'));
  });

  test('a corrupt model.onnx makes start() reject with SCORER_ERR_MODEL_LOAD', HANG_GUARD, async () => {
    const { root, onnx } = await copyOfFraud();
    await writeFile(onnx, 'this is not an onnx protobuf');
    const [entry] = await loadModelRepository(root, [{ name: 'fraud' }]);
    assert.ok(entry);
    await assert.rejects(InferencePool.start({ ...POOL, models: [entry], threads: 2 }), (err) => {
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
    const pool = await InferencePool.start({ ...POOL, models: [fraud] });
    await pool.close();
    const outcome = await scoreFraud(pool);
    assert.ok(!outcome.ok);
    assert.equal(outcome.kind, 'worker-crash');
    assert.equal(outcome.attempts, 1);
  });
});
