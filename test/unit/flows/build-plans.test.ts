import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { loadConfig } from '../../../src/config/load.ts';
import { isScorerError } from '../../../src/errors.ts';
import { buildFlowPlans } from '../../../src/flows/build-plans.ts';
import type { ModelEntry } from '../../../src/inference/types.ts';

const entry = (name: string, version: number): ModelEntry => ({
  config: { name, version, inputs: [], outputs: { score: { output: 'score' } }, missingRequired: 'dlq' },
  onnxPath: `/models/${name}/${version}/model.onnx`,
});

/** What loadModelRepository returns for serve [fraud@1, fraud@2, heavy] with heavy/3 the highest on disk. */
const LOADED = [entry('fraud', 1), entry('fraud', 2), entry('heavy', 3)];

const config = (flows: unknown[], experiments: unknown[] = []) =>
  loadConfig({
    overrides: {
      models: { serve: [{ name: 'fraud', version: 1 }, { name: 'fraud', version: 2 }, { name: 'heavy' }] },
      output: { topic: 'predictions', format: 'json' },
      flows,
      experiments,
    },
  });

const AB = {
  id: 'fraud-v2-ab',
  key: 'account_id',
  variants: [
    { name: 'control', model: 'fraud@1', weight: 1 },
    { name: 'candidate', model: 'fraud@2', weight: 3 },
  ],
};

test('a flow without a route scores every record with every target (fan-out); refs become modelIds', () => {
  const [plan] = buildFlowPlans(config([{ name: 'all', inputs: [{ topic: 'a', format: 'json' }], models: ['fraud@2', 'heavy'] }]), LOADED);
  assert.deepEqual(plan, { name: 'all', route: { by: 'all', targets: [{ model: 'fraud:2' }, { model: 'heavy:3' }] }, experiments: [] });
});

test('a routed flow becomes a table with its fallthrough, and carries the experiments it names', () => {
  const route = {
    by: 'field',
    name: 'country',
    cases: [
      { value: 'DE', models: ['fraud@1'] },
      { value: 'FR', models: ['experiment:fraud-v2-ab', 'heavy'] },
    ],
    default: ['fraud@2'],
  };
  const unused = { ...AB, id: 'unused' };
  const [plan] = buildFlowPlans(config([{ name: 'fraud', inputs: [{ topic: 'a', format: 'json' }], route, fallback: { score: 0 } }], [AB, unused]), LOADED);
  assert.deepEqual(plan?.route, {
    by: 'field',
    name: 'country',
    table: { DE: [{ model: 'fraud:1' }], FR: [{ experiment: 'fraud-v2-ab' }, { model: 'heavy:3' }] },
    fallthrough: [{ model: 'fraud:2' }],
  });
  assert.deepEqual(plan?.experiments, [
    {
      id: 'fraud-v2-ab',
      keyField: 'account_id',
      variants: [
        { name: 'control', model: 'fraud:1', weight: 1 },
        { name: 'candidate', model: 'fraud:2', weight: 3 },
      ],
    },
  ]);
  assert.deepEqual(plan?.fallback, { score: 0, label: null });
});

test('a topic route has no name; a route without a default falls through to no model; an experiment without a key field keys by the record key', () => {
  const route = { by: 'topic', cases: [{ value: 'a', models: ['experiment:fraud-v2-ab'] }] };
  const { key: _, ...keyless } = AB;
  const [plan] = buildFlowPlans(
    config([{ name: 't', inputs: [{ topic: 'a', format: 'json' }], route, fallback: { score: 0.1, label: 'ok' } }], [keyless]),
    LOADED,
  );
  assert.deepEqual(plan?.route, { by: 'topic', name: '', table: { a: [{ experiment: 'fraud-v2-ab' }] }, fallthrough: [] });
  assert.equal('keyField' in (plan?.experiments[0] ?? {}), false);
  assert.deepEqual(plan?.fallback, { score: 0.1, label: 'ok' });
});

test('hook refs resolve against the base directory, the export defaulting to preprocess and postprocess', () => {
  const flow = { name: 'h', inputs: [{ topic: 'a', format: 'json' as const }], models: ['heavy'] };
  const hooks = config([{ ...flow, preprocess: 'flows/fraud/hooks.ts', postprocess: 'flows/fraud/hooks.ts#rules' }]);
  // Loaded with no file, the configuration's relative paths resolved against the working directory already.
  const [plan] = buildFlowPlans(hooks, LOADED, { baseDir: '/srv/scorer' });
  assert.deepEqual(plan?.preprocess, { file: join(process.cwd(), 'flows/fraud/hooks.ts'), export: 'preprocess' });
  assert.deepEqual(plan?.postprocess, { file: join(process.cwd(), 'flows/fraud/hooks.ts'), export: 'rules' });
  // A configuration built in code may leave them relative: then baseDir is what they resolve against.
  const [built] = buildFlowPlans({ ...hooks, flows: [{ ...flow, preprocess: 'flows/fraud/hooks.ts' }] }, LOADED, { baseDir: '/srv/scorer' });
  assert.deepEqual(built?.preprocess, { file: '/srv/scorer/flows/fraud/hooks.ts', export: 'preprocess' });
  const [fromCwd] = buildFlowPlans(config([{ ...flow, postprocess: '/abs/hooks.ts' }]), LOADED);
  assert.deepEqual(fromCwd?.postprocess, { file: '/abs/hooks.ts', export: 'postprocess' });
  const [relative] = buildFlowPlans(config([{ ...flow, preprocess: 'x.ts' }]), LOADED);
  assert.equal(relative?.preprocess?.file, join(process.cwd(), 'x.ts'));
  assert.ok(!('postprocess' in (relative ?? {})));
});

test('a version that the configuration could not check (served at the highest on disk) must be the loaded one, named by its setting', () => {
  const flows = [{ name: 'v', inputs: [{ topic: 'a', format: 'json' }], models: ['heavy@3', 'heavy@2'] }];
  const variants = [
    { name: 'a', model: 'heavy@4', weight: 1 },
    { name: 'b', model: 'heavy', weight: 1 },
  ];
  const err = (() => {
    try {
      buildFlowPlans(config(flows, [{ id: 'x', variants }]), LOADED);
    } catch (e) {
      return e;
    }
    return assert.fail('expected a failure');
  })();
  assert.ok(isScorerError(err, 'SCORER_ERR_CONFIG'), String(err));
  assert.deepEqual(err.details['violations'], [
    { path: 'experiments[0].variants[0].model', message: 'must name a loaded model: models.serve loads heavy:3 (got "heavy@4")' },
    { path: 'flows[0].models[1]', message: 'must name a loaded model: models.serve loads heavy:3 (got "heavy@2")' },
  ]);
  assert.match(err.message, /^invalid configuration \(flows against the loaded models\), 2 problems:/);
});

/** The violations buildFlowPlans reports for `flows`. */
function planViolations(flows: unknown[], experiments: unknown[] = []): unknown {
  try {
    buildFlowPlans(config(flows, experiments), LOADED);
  } catch (e) {
    assert.ok(isScorerError(e, 'SCORER_ERR_CONFIG'), String(e));
    return e.details['violations'];
  }
  return assert.fail('expected a failure');
}

test('shadow and canary become plans by modelId; a canary keeps its bounds and key field', () => {
  const route = { by: 'field', name: 'country', cases: [{ value: 'US', models: ['experiment:fraud-v2-ab'] }], default: ['heavy'] };
  const flow = {
    name: 'x',
    inputs: [{ topic: 'a', format: 'json' }],
    route,
    shadow: [{ of: 'fraud@2', candidate: 'heavy', topic: 'side' }],
    canary: { of: 'heavy', candidate: 'fraud@1', percent: 5, key: 'account_id', maxP99Ms: 20 },
  };
  const [plan] = buildFlowPlans(config([flow], [AB]), LOADED);
  assert.deepEqual(plan?.shadow, [{ of: 'fraud:2', candidate: 'heavy:3', topic: 'side' }], "a variant's model may be shadowed");
  assert.deepEqual(plan?.canary, {
    of: 'heavy:3',
    candidate: 'fraud:1',
    percent: 5,
    keyField: 'account_id',
    bounds: { maxErrorRate: 0.05, maxP99Ms: 20, minRequests: 200, windowMs: 60_000 },
  });
});

test('shadow.of names a model the flow routes to; canary.of one it routes to directly; a candidate differs from its of', () => {
  const base = { name: 'x', inputs: [{ topic: 'a', format: 'json' }], models: ['experiment:fraud-v2-ab'] };
  assert.deepEqual(planViolations([{ ...base, models: ['heavy'], shadow: [{ of: 'fraud@1', candidate: 'fraud@2', topic: 'side' }] }]), [
    { path: 'flows[0].shadow[0].of', message: 'must name a model the flow routes to (heavy:3) (got "fraud@1")' },
  ]);
  assert.deepEqual(planViolations([{ ...base, canary: { of: 'fraud@1', candidate: 'heavy', percent: 10 } }], [AB]), [
    { path: 'flows[0].canary.of', message: 'must name a model the flow routes to directly, not through an experiment (none) (got "fraud@1")' },
  ]);
  assert.deepEqual(planViolations([{ ...base, models: ['heavy'], canary: { of: 'heavy', candidate: 'heavy@3', percent: 10 } }]), [
    { path: 'flows[0].canary.candidate', message: 'must differ from flows[0].canary.of: both name heavy:3 (got "heavy@3")' },
  ]);
});
