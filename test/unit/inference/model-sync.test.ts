/**
 * Hot reload in the real worker pool: a new version is loaded beside the old in every thread (each
 * answers), a thread that replaces a dead one comes up with the current set rather than the start-up
 * one, a version dropped from the set is gone (its sessions closed), and a version that fails to load
 * is reported per thread while the others keep scoring; flow batches run on the plans generation they
 * name until it is dropped.
 */
import assert from 'node:assert/strict';
import { copyFile, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { FlowPlan } from '../../../src/flows/plan.ts';
import { InferencePool } from '../../../src/inference/pool.ts';
import type { FlowGeneration } from '../../../src/inference/protocol.ts';
import type { ModelEntry } from '../../../src/inference/types.ts';
import { loadModelRepository } from '../../../src/models/repository.ts';
import { flowRequest } from '../flows/support.ts';
import { jsonBatch, predictionsOf } from './json-records.ts';

const REPOSITORY = fileURLToPath(new URL('../../../models', import.meta.url));
const EVENT = (JSON.parse(await readFile(join(REPOSITORY, 'fraud/2/golden.json'), 'utf8')) as { rows: { event: Record<string, unknown> }[] }).rows[0]
  ?.event as Record<string, unknown>;

const flowsOf = (pool: InferencePool) => pool.modelSet.flows;

describe('syncing the model set of every inference thread', () => {
  let v1: ModelEntry;
  let v2: ModelEntry;
  let pool: InferencePool;
  before(async () => {
    [v1, v2] = (await loadModelRepository(REPOSITORY, [
      { name: 'fraud', version: 1 },
      { name: 'fraud', version: 2 },
    ])) as [ModelEntry, ModelEntry];
    pool = await InferencePool.start({ models: [v1], threads: 2, maxAttempts: 2, injectDelayMs: 0, limits: { maxStringFeatureLength: 256 } });
  });
  after(() => pool.close());

  const score = async (version: number) => {
    const outcome = await pool.score(() => jsonBatch('fraud', version, [EVENT]));
    return outcome.ok ? predictionsOf(outcome.reply)[0]?.model_version : outcome.message;
  };

  test('every thread loads the new version beside the old and answers', async () => {
    assert.match(String(await score(2)), /fraud:2 is not loaded in this worker/);
    const report = await pool.syncModels([v1, v2], flowsOf(pool));
    assert.deepEqual({ threads: report.threads, failures: report.failures }, { threads: 2, failures: [] });
    const versions = await Promise.all(Array.from({ length: 8 }, (_, i) => score(i % 2 === 0 ? 1 : 2)));
    assert.deepEqual(versions, [1, 2, 1, 2, 1, 2, 1, 2]);
  });

  test('a thread that replaces a dead one comes up with the current set', async () => {
    const restarts = pool.workerRestarts;
    await pool.workerThreads[0]?.terminate();
    while (pool.workerRestarts === restarts) await new Promise((resolve) => setTimeout(resolve, 20));
    // Both threads take batches: every one of them must find version 2.
    const versions = await Promise.all(Array.from({ length: 12 }, () => score(2)));
    assert.deepEqual(new Set(versions), new Set([2]));
  });

  test('a version dropped from the set is released in every thread', async () => {
    await pool.syncModels([v2], flowsOf(pool));
    const answers = await Promise.all(Array.from({ length: 4 }, () => score(1)));
    for (const answer of answers) assert.match(String(answer), /fraud:1 is not loaded in this worker/);
    assert.equal(await score(2), 2);
  });

  test('a version that fails to load is reported by every thread; the rest keep scoring', async (t) => {
    const dir = await mkdtemp(join(tmpdir(), 'sync-broken-'));
    t.after(() => rm(dir, { recursive: true, force: true }));
    await mkdir(join(dir, 'fraud', '3'), { recursive: true });
    await copyFile(join(REPOSITORY, 'fraud/2/config.yaml'), join(dir, 'fraud/3/config.yaml'));
    const onnx = await readFile(join(REPOSITORY, 'fraud/2/model.onnx'));
    await writeFile(join(dir, 'fraud/3/model.onnx'), onnx.subarray(0, onnx.length >>> 1));
    const [broken] = (await loadModelRepository(dir, [{ name: 'fraud', version: 3 }])) as [ModelEntry];
    const report = await pool.syncModels([v2, broken], flowsOf(pool));
    assert.equal(report.failures.length, 2, JSON.stringify(report.failures));
    for (const failure of report.failures) {
      assert.equal(failure.id, 'fraud:3');
      assert.match(failure.message, /model fraud:3 .* failed to load/);
    }
    assert.equal(new Set(report.failures.map((f) => f.threadId)).size, 2);
    assert.equal(await score(2), 2);
  });
});

describe('flow plans generations in the workers', () => {
  const plan = (model: string): FlowPlan => ({ name: 'payments', route: { by: 'all', targets: [{ model }] }, experiments: [] });
  let pool: InferencePool;
  let v1: ModelEntry;
  let v2: ModelEntry;
  before(async () => {
    [v1, v2] = (await loadModelRepository(REPOSITORY, [
      { name: 'fraud', version: 1 },
      { name: 'fraud', version: 2 },
    ])) as [ModelEntry, ModelEntry];
    pool = await InferencePool.start({
      models: [v1],
      flows: [plan('fraud:1')],
      threads: 2,
      maxAttempts: 1,
      injectDelayMs: 0,
      limits: { maxStringFeatureLength: 256 },
    });
  });
  after(() => pool.close());

  const flowModels = async (plans?: number) => {
    const request = { ...flowRequest([{ value: EVENT }]), flow: 'payments', ...(plans === undefined ? {} : { plans }) };
    const outcome = await pool.score(() => ({ request, transfer: [] }));
    return outcome.ok ? outcome.reply.models : outcome.message;
  };

  test('a batch runs on the plans generation it names; an old generation runs until it is dropped', async () => {
    const [gen0] = pool.modelSet.flows as [FlowGeneration];
    const gen1: FlowGeneration = { generation: 1, plans: [plan('fraud:2')], models: ['fraud:2'] };
    assert.deepEqual((await pool.syncModels([v1, v2], [gen0, gen1])).failures, []);
    assert.deepEqual(await flowModels(1), ['fraud:2']);
    assert.deepEqual(await flowModels(), ['fraud:1'], 'a batch dispatched before the switch');
    await pool.syncModels([v2], [gen1]);
    assert.deepEqual(await flowModels(1), ['fraud:2']);
    assert.match(String(await flowModels()), /flow payments is not loaded in this worker/);
  });

  test('a generation whose plans do not compile is reported, and the others stay', async () => {
    const bad: FlowGeneration = { generation: 2, plans: [plan('fraud:9')], models: ['fraud:2'] };
    const report = await pool.syncModels([v2], [...pool.modelSet.flows, bad]);
    assert.deepEqual(new Set(report.failures.map((f) => f.id)), new Set(['flows:2']));
    assert.match(report.failures[0]?.message ?? '', /routes to fraud:9, which this worker does not serve/);
    assert.deepEqual(await flowModels(1), ['fraud:2']);
  });
});
