/**
 * The model lifecycle against a fake pool and stage: a switch loads the version in every worker first,
 * then moves the lane; a failure at any step leaves the served version serving and the workers holding
 * what they held; the previous version stays loaded for a rollback; anything else is released only
 * once no batch in flight holds it; flows get a new plans generation with bare refs on the new version.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { modelId } from '../../../src/core/model-id.ts';
import type { ModelIdentity } from '../../../src/delivery/outcomes.ts';
import type { FlowPlan } from '../../../src/flows/plan.ts';
import type { SyncReport } from '../../../src/inference/model-sync.ts';
import type { FlowGeneration } from '../../../src/inference/protocol.ts';
import type { GraphDescription, ModelEntry } from '../../../src/inference/types.ts';
import { type LifecyclePool, type LifecycleStage, ModelLifecycle } from '../../../src/models/lifecycle.ts';

const entry = (version: number, input = 'x'): ModelEntry => ({
  config: {
    name: 'fraud',
    version,
    inputs: [{ name: input, dtype: 'float32', fields: [{ field: 'a' }] }],
    outputs: { score: { output: 'p' } },
    missingRequired: 'dlq',
  },
  // No golden.json there: the golden run passes.
  onnxPath: `/nonexistent/fraud/${version}/model.onnx`,
});

const GRAPH: GraphDescription = { inputs: [{ name: 'x', type: 'float32', dims: ['batch', 1] }], outputs: ['p'], outputInfo: [] };

class FakePool implements LifecyclePool {
  readonly syncs: { models: string[]; generations: number[] }[] = [];
  readonly failLoad = new Set<string>();
  async syncModels(models: readonly ModelEntry[], flows: readonly FlowGeneration[]): Promise<SyncReport> {
    const ids = models.map((m) => modelId(m.config.name, m.config.version));
    this.syncs.push({ models: ids, generations: flows.map((f) => f.generation) });
    const failures = ids.filter((id) => this.failLoad.has(id)).map((id) => ({ threadId: 7, id, message: `model ${id} failed to load: truncated` }));
    return { generation: this.syncs.length, threads: 2, failures };
  }
  async describe(): Promise<GraphDescription> {
    return GRAPH;
  }
  score(): never {
    throw new Error('no golden run expected');
  }
  get lastModels(): string[] {
    return this.syncs.at(-1)?.models ?? [];
  }
}

class FakeStage implements LifecycleStage {
  served: ModelIdentity | undefined;
  plans = 0;
  readonly uses = new Map<string, number>();
  readonly #waiters = new Map<string, (() => void)[]>();
  serve(model: ModelIdentity): boolean {
    this.served = model;
    return true;
  }
  usePlans(generation: number): void {
    this.plans = generation;
  }
  usesOfModel(id: string): number {
    return this.uses.get(`model:${id}`) ?? 0;
  }
  usesOfPlans(generation: number): number {
    return this.uses.get(`plans:${generation}`) ?? 0;
  }
  whenUnused(what: { model: string } | { plans: number }): Promise<void> {
    const key = 'model' in what ? `model:${what.model}` : `plans:${what.plans}`;
    if ((this.uses.get(key) ?? 0) === 0) return Promise.resolve();
    return new Promise((resolve) => this.#waiters.set(key, [...(this.#waiters.get(key) ?? []), resolve]));
  }
  /** The last batch holding `key` is done. */
  finish(key: string): void {
    this.uses.delete(key);
    for (const wake of this.#waiters.get(key) ?? []) wake();
  }
}

const settle = () => new Promise((resolve) => setImmediate(resolve));

function setup(options: { disk?: number[]; plans?: FlowPlan[] } = {}) {
  const pool = new FakePool();
  const stage = new FakeStage();
  const counted: string[] = [];
  const logged: { level: string; obj: object; msg: string }[] = [];
  const log = Object.fromEntries(['debug', 'info', 'warn', 'error'].map((level) => [level, (obj: object, msg: string) => logged.push({ level, obj, msg })]));
  const disk = new Map((options.disk ?? [1, 2, 3]).map((v) => [v, entry(v)]));
  const served: ReadonlyMap<string, number>[] = [];
  const lifecycle = new ModelLifecycle({
    repository: '/r',
    entries: [entry(1)],
    plans: options.plans ?? [],
    buildPlans: (_entries, s) => {
      served.push(new Map(s));
      return (options.plans ?? []).map((plan) => ({ ...plan, route: { by: 'all', targets: [{ model: `fraud:${s.get('fraud')}` }] } }));
    },
    limits: { maxStringFeatureLength: 64 },
    pool,
    stage,
    metrics: { reload: (model, result) => counted.push(`${model} ${result}`), served: (model, version) => counted.push(`${model} serves ${version}`) },
    log: log as never,
    wallClock: () => 1000,
    loadEntry: async (_repository, _name, version) => {
      const found = disk.get(version ?? Math.max(...disk.keys()));
      if (found === undefined) throw new Error(`model repository /r:\n  /r/fraud/${version}: version directory does not exist`);
      return found;
    },
  });
  return { lifecycle, pool, stage, counted, logged, disk, served };
}

test('a reload loads the version in every worker beside the old, then switches the lane to it', async () => {
  const { lifecycle, pool, stage, counted } = setup();
  const result = await lifecycle.reload('fraud', 2, 'watch');
  assert.equal(result.ok && result.result, 'switched');
  assert.deepEqual(pool.syncs, [{ models: ['fraud:1', 'fraud:2'], generations: [0] }]);
  assert.deepEqual(stage.served, { id: 'fraud:2', name: 'fraud', version: 2 });
  assert.deepEqual([lifecycle.state.get('fraud')?.version, lifecycle.state.get('fraud')?.previous], [2, 1]);
  assert.deepEqual(counted, ['fraud serves 1', 'fraud serves 2', 'fraud switched']);
  assert.deepEqual(lifecycle.loaded, ['fraud:1', 'fraud:2'], 'the previous version stays loaded');
});

test('without a version, the highest on disk; the served one again is unchanged', async () => {
  const { lifecycle, stage } = setup({ disk: [1] });
  const same = await lifecycle.reload('fraud', undefined, 'admin');
  assert.equal(same.ok && same.result, 'unchanged');
  assert.equal(stage.served, undefined);
});

test('a version that fails to load, read or check leaves the served one serving and says why', async () => {
  const { lifecycle, pool, stage, counted, logged } = setup();
  pool.failLoad.add('fraud:2');
  const failed = await lifecycle.reload('fraud', 2, 'watch');
  assert.deepEqual(failed.ok ? undefined : [failed.problem, failed.reason], ['failed', 'model fraud:2 failed to load: truncated (inference thread 7)']);
  assert.deepEqual(pool.lastModels, ['fraud:1'], 'what was loaded of it is released again');
  assert.equal(stage.served, undefined);
  assert.equal(lifecycle.state.get('fraud')?.version, 1);
  assert.equal(counted.at(-1), 'fraud failed');
  assert.deepEqual(logged.at(-1), {
    level: 'error',
    obj: { model: 'fraud', version: 2, trigger: 'watch', reason: 'model fraud:2 failed to load: truncated (inference thread 7)', serving: 1 },
    msg: 'model reload failed; the served version keeps serving',
  });
  const missing = await lifecycle.reload('fraud', 9, 'admin');
  assert.equal(missing.ok ? '' : missing.reason, '/r/fraud/9: version directory does not exist');
  assert.deepEqual(lifecycle.state.lastFailure(), {
    model: 'fraud',
    version: 9,
    result: 'failed',
    trigger: 'admin',
    reason: '/r/fraud/9: version directory does not exist',
    at: 1000,
  });
});

test('a graph that does not match its feature spec is refused after loading, and released', async () => {
  const { lifecycle, pool, disk } = setup();
  disk.set(2, entry(2, 'features'));
  const failed = await lifecycle.reload('fraud', 2, 'admin');
  assert.match(
    failed.ok ? '' : failed.reason,
    /^model fraud:2: the feature spec does not match the graph:\n {2}input "features" of the feature spec is not a graph input/,
  );
  assert.deepEqual(pool.lastModels, ['fraud:1']);
});

test('an unknown model is not served; a rollback needs a previous version', async () => {
  const { lifecycle } = setup();
  const unknown = await lifecycle.reload('churn', 1, 'admin');
  assert.equal(unknown.ok ? '' : unknown.problem, 'not-served');
  const none = await lifecycle.rollback('fraud');
  assert.equal(none.ok ? '' : none.problem, 'no-previous');
});

test('a rollback switches back with no load; older versions are released once no batch holds them', async () => {
  const { lifecycle, pool, stage, counted } = setup();
  await lifecycle.reload('fraud', 2, 'watch');
  stage.uses.set('model:fraud:1', 2); // batches dispatched before the next switch, still in flight
  await lifecycle.reload('fraud', 3, 'watch');
  await settle();
  assert.deepEqual(lifecycle.loaded, ['fraud:1', 'fraud:2', 'fraud:3'], 'version 1 still has batches in flight');
  assert.equal(pool.syncs.length, 2);
  stage.finish('model:fraud:1');
  await settle();
  await settle();
  assert.deepEqual(pool.lastModels, ['fraud:2', 'fraud:3'], 'released in every worker once its last batch is done');

  const syncs = pool.syncs.length;
  const back = await lifecycle.rollback('fraud');
  assert.equal(back.ok && back.result, 'switched');
  assert.equal(pool.syncs.length, syncs, 'the previous version was loaded all along');
  assert.deepEqual(stage.served, { id: 'fraud:2', name: 'fraud', version: 2 });
  assert.deepEqual([lifecycle.state.get('fraud')?.version, lifecycle.state.get('fraud')?.previous], [2, 3]);
  assert.equal(counted.at(-1), 'fraud rolled_back');
});

test('flows get a new plans generation with bare refs on the new version; the old one is dropped once unused', async () => {
  const plan: FlowPlan = { name: 'payments', route: { by: 'all', targets: [{ model: 'fraud:1' }] }, experiments: [] };
  const { lifecycle, pool, stage, served } = setup({ plans: [plan] });
  stage.uses.set('plans:0', 1);
  await lifecycle.reload('fraud', 2, 'watch');
  assert.deepEqual(served, [new Map([['fraud', 2]])]);
  assert.deepEqual(pool.syncs.slice(0, 2), [
    { models: ['fraud:1', 'fraud:2'], generations: [0] },
    { models: ['fraud:1', 'fraud:2'], generations: [0, 1] },
  ]);
  assert.equal(stage.plans, 1, 'new flow batches run on generation 1');
  assert.deepEqual(lifecycle.plans[0]?.route, { by: 'all', targets: [{ model: 'fraud:2' }] });
  await settle();
  assert.equal(pool.syncs.length, 2, 'generation 0 has a batch in flight');
  stage.finish('plans:0');
  await settle();
  await settle();
  assert.deepEqual(pool.syncs.at(-1), { models: ['fraud:1', 'fraud:2'], generations: [1] });
});
