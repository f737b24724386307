import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { isScorerError } from '../../../src/errors.ts';
import { checkFlowHooks } from '../../../src/flows/check-hooks.ts';
import type { FlowPlan, HookRef } from '../../../src/flows/plan.ts';

const fixture = (name: string): string => fileURLToPath(new URL(`fixtures/${name}`, import.meta.url));

const plan = (name: string, hooks: { preprocess?: HookRef; postprocess?: HookRef }): FlowPlan => ({
  name,
  route: { by: 'all', targets: [{ model: 'fraud:1' }] },
  experiments: [],
  ...hooks,
});

async function violations(plans: readonly FlowPlan[]): Promise<unknown> {
  const err = await checkFlowHooks(plans).then(
    () => assert.fail('expected the check to fail'),
    (e: unknown) => e,
  );
  assert.ok(isScorerError(err, 'SCORER_ERR_CONFIG'), String(err));
  return err.details['violations'];
}

test('hooks whose file exports a function by their name pass', async () => {
  const hooks = fixture('hooks.ts');
  await checkFlowHooks([plan('a', { preprocess: { file: hooks, export: 'preprocess' }, postprocess: { file: hooks, export: 'markReview' } }), plan('b', {})]);
});

test('every bad hook is named by its setting, its flow and its file', async () => {
  const hooks = fixture('hooks.ts');
  const missing = fixture('missing.ts');
  const throws = fixture('throws-on-import.ts');
  const inert = fixture('no-functions.ts');
  const loader = fileURLToPath(new URL('../../../src/flows/hook-loader.ts', import.meta.url));
  const found = await violations([
    plan('fine', { preprocess: { file: hooks, export: 'preprocess' } }),
    plan('fraud', { preprocess: { file: missing, export: 'preprocess' }, postprocess: { file: hooks, export: 'threshold' } }),
    plan('rules', { preprocess: { file: throws, export: 'preprocess' }, postprocess: { file: inert, export: 'postprocess' } }),
  ]);
  assert.deepEqual(found, [
    {
      path: 'flows[1].preprocess',
      message: `flow "fraud": hook module ${missing} failed to load: Cannot find module '${missing}' imported from ${loader}`,
    },
    { path: 'flows[1].postprocess', message: `flow "fraud": hook ${hooks}#threshold: export "threshold" is a number, not a function` },
    { path: 'flows[2].preprocess', message: `flow "rules": hook module ${throws} failed to load: this module refuses to load` },
    { path: 'flows[2].postprocess', message: `flow "rules": hook ${inert}#postprocess: the module has no export "postprocess"` },
  ]);
});
