import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { loadFlowHooks, loadHook, loadModelHooks } from '../../../src/flows/hook-loader.ts';
import type { ModelConfig } from '../../../src/inference/types.ts';
import { plan } from './support.ts';

const FIXTURES = join(import.meta.dirname, 'fixtures');
const FLOW_HOOKS = join(FIXTURES, 'flow-hooks.ts');
const RULES = join(FIXTURES, 'rules-model.ts');

const config = (kind?: 'heuristic'): ModelConfig => ({
  name: 'm',
  version: 3,
  ...(kind && { kind }),
  inputs: [],
  outputs: { score: { output: 'p' } },
  missingRequired: 'dlq',
});

test('a hook is the named export of its .ts module, with where it came from', async () => {
  const hook = await loadHook<(events: unknown[]) => unknown[]>({ file: FLOW_HOOKS, export: 'shortPreprocess' });
  assert.deepEqual(hook.fn([1, 2, 3]), [2, 3]);
  assert.equal(hook.where, `${FLOW_HOOKS}#shortPreprocess`);
  const hooks = await loadFlowHooks(plan({ postprocess: { file: FLOW_HOOKS, export: 'postprocess' } }));
  assert.equal(hooks.preprocess, undefined);
  assert.equal(typeof hooks.postprocess?.fn, 'function');
});

test('a missing export, one that is not a function, a missing file and a module that throws are refused, naming the file', async () => {
  await assert.rejects(loadHook({ file: FLOW_HOOKS, export: 'nope' }), { message: `hook ${FLOW_HOOKS}#nope: the module has no export "nope"` });
  await assert.rejects(loadHook({ file: FLOW_HOOKS, export: 'notAFunction' }), {
    message: `hook ${FLOW_HOOKS}#notAFunction: export "notAFunction" is a number, not a function`,
  });
  const missing = join(FIXTURES, 'absent.ts');
  await assert.rejects(loadHook({ file: missing, export: 'x' }), (error: Error) => error.message.startsWith(`hook module ${missing} failed to load: `));
  const throwing = join(FIXTURES, 'throws-on-import.ts');
  await assert.rejects(loadHook({ file: throwing, export: 'x' }), { message: `hook module ${throwing} failed to load: this module refuses to load` });
});

test("a model's hooks.ts: predict for a heuristic model, preprocess and postprocess when exported", async () => {
  const heuristic = await loadModelHooks(config('heuristic'), RULES);
  assert.equal(typeof heuristic.predict?.fn, 'function');
  assert.equal(typeof heuristic.postprocess?.fn, 'function');
  assert.equal(heuristic.preprocess, undefined);
  const graph = await loadModelHooks(config(), RULES);
  assert.equal(graph.predict, undefined, "an ONNX model's graph predicts, not its hooks.ts");
  assert.deepEqual(await loadModelHooks(config(), undefined), {});
});

test('a heuristic model without hooks.ts or without predict fails to load, naming it', async () => {
  await assert.rejects(loadModelHooks(config('heuristic'), undefined), { message: 'model m:3 is heuristic but has no hooks.ts to export its predict' });
  const noPredict = join(FIXTURES, 'model-preprocess.ts');
  await assert.rejects(loadModelHooks(config('heuristic'), noPredict), { message: `hook ${noPredict}#predict: the module has no export "predict"` });
  const bad = join(FIXTURES, 'bad-model-hooks.ts');
  await assert.rejects(loadModelHooks(config(), bad), { message: `hook ${bad}#postprocess: export "postprocess" is a string, not a function` });
  const other = await loadModelHooks(config(), FLOW_HOOKS);
  assert.deepEqual(Object.keys(other).sort(), ['postprocess', 'preprocess'], 'exports that are not hooks are left alone');
});
