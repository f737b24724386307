/**
 * The flow executor's shadow candidates and canary, with the graph doubles of support.ts (x / 100 times
 * a scale, failing on x = 13): what the worker scores, stamps, sheds and reports for the main thread.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { HeuristicModel } from '../../../src/flows/flow-model.ts';
import type { CanaryPlan, ShadowPlan } from '../../../src/flows/plan.ts';
import { AVRO_OUTPUT, flow, flowRequest, graphModel, plan, records, run, served, summary } from './support.ts';

const SHADOW: ShadowPlan = { of: 'a:1', candidate: 'a:2', topic: 'side' };

/** a:1 scores x / 100, a:2 twice that; b:1 takes the rows whose `to` is "b". */
function shadowed(shadow: readonly ShadowPlan[] = [SHADOW], fallback?: { score: number; label: string | null }) {
  const candidate = graphModel('a', 2, {}, 2);
  const p = plan({
    route: { by: 'field', name: 'to', table: { b: [{ model: 'b:1' }] }, fallthrough: [{ model: 'a:1' }] },
    shadow,
    ...(fallback === undefined ? {} : { fallback }),
  });
  return { candidate, f: flow(p, served(graphModel('a'), candidate, graphModel('b'))) };
}

const throwing: HeuristicModel = {
  kind: 'heuristic',
  config: { name: 'down', version: 1, kind: 'heuristic', inputs: [], outputs: { score: { output: '' } }, missingRequired: 'dlq' },
  predict: {
    where: 'inline#predict',
    fn: () => {
      throw new Error('candidate down');
    },
  },
  hooks: {},
};

test('a shadow candidate scores the rows routed to its model, after it, in one run; its records go apart, stamped, encoded as the request says', async () => {
  const { candidate, f } = shadowed();
  const events = [{ value: { x: 10 } }, { value: { x: 20, to: 'b' } }, { value: { x: 30 } }];
  const reply = await run(f, { ...flowRequest(events), shadowOutputs: [AVRO_OUTPUT] });
  const plain = await run(shadowed([]).f, flowRequest(events));
  assert.deepEqual(records(reply), records(plain), 'the primary records are what they are without the shadow');
  assert.deepEqual(summary(reply), [['a:1'], ['b:1'], ['a:1']]);
  assert.deepEqual(candidate.runs, [2], 'one run over the rows routed to a:1');
  const [scored] = reply.shadow?.candidates ?? [];
  assert.ok(scored);
  assert.deepEqual([...scored.rowRecords], [1, 1, 2], 'row 1 went to b:1: no shadow record');
  const side = records(scored, AVRO_OUTPUT);
  assert.deepEqual(
    side.map((p) => [p.model_version, p.score, p.source_offset, p.flow, p.experiment, p.variant, p.attributes]),
    [
      [2, 0.2, 100, 'f', 'shadow:f', 'shadow', { shadow_of: 'a:1' }],
      [2, 0.6, 102, 'f', 'shadow:f', 'shadow', { shadow_of: 'a:1' }],
    ],
  );
  assert.deepEqual(
    [...scored.scoreDiff].map((d) => Number(d.toFixed(6))),
    [0.1, 0.3],
  );
  assert.deepEqual([...scored.labelAgreement], [-1, -1], 'no labels on either side: not compared');
  assert.deepEqual([reply.shadow?.shed, scored.errors], [0, 0]);
  assert.ok((reply.shadow?.ms ?? 0) > 0);
});

test('a shadow candidate that fails costs only its records: the primary rows are scored, the failures counted', async () => {
  const f = flow(plan({ shadow: [{ of: 'a:1', candidate: 'down:1', topic: 'side' }] }), served(graphModel('a'), throwing));
  const reply = await run(f, flowRequest([{ value: { x: 1 } }, { value: { x: 2 } }]));
  assert.deepEqual(summary(reply), [['a:1'], ['a:1']]);
  assert.deepEqual(reply.failures, []);
  const [scored] = reply.shadow?.candidates ?? [];
  assert.deepEqual([scored?.errors, scored?.recordEnds.length], [2, 0]);
});

test('a row the primary answered with the fallback is shadowed but not compared; a row it failed is not shadowed', async () => {
  const steady: HeuristicModel = {
    ...throwing,
    config: { ...throwing.config, name: 'steady' },
    predict: { where: 'inline#predict', fn: (events) => events.map(() => ({ score: 0.5, label: 'ok' })) },
  };
  const f = flow(
    plan({ shadow: [{ of: 'a:1', candidate: 'steady:1', topic: 'side' }], fallback: { score: 0, label: 'fallback' } }),
    served(graphModel('a'), steady),
  );
  const reply = await run(f, flowRequest([{ value: { x: 13 } }, { value: Buffer.from('{no') }, { value: { x: 5 } }]));
  assert.deepEqual(summary(reply), [['a:1'], 'JSON_DECODE', ['a:1']]);
  assert.equal(records(reply)[0]?.fallback, true);
  const [scored] = reply.shadow?.candidates ?? [];
  assert.ok(scored);
  assert.deepEqual([...scored.rowRecords], [1, 1, 2]);
  assert.deepEqual(
    [...scored.scoreDiff].map((d) => (Number.isNaN(d) ? 'not compared' : Number(d.toFixed(6)))),
    ['not compared', 0.45],
  );
  assert.deepEqual([...scored.labelAgreement], [-1, 0], 'null against "ok" differs');
});

test('a request that sheds shadow work scores no candidate and says how many rows it would have shadowed', async () => {
  const { candidate, f } = shadowed();
  const reply = await run(f, { ...flowRequest([{ value: { x: 1 } }, { value: { x: 2, to: 'b' } }, { value: { x: 3 } }]), shedShadow: true });
  assert.deepEqual(reply.shadow, { shed: 2, ms: 0, candidates: [] });
  assert.deepEqual(candidate.runs, []);
  assert.deepEqual(summary(reply), [['a:1'], ['b:1'], ['a:1']]);
});

const CANARY: CanaryPlan = { of: 'a:1', candidate: 'a:2', percent: 30, keyField: 'user', bounds: { maxErrorRate: 0.05, minRequests: 10, windowMs: 1000 } };

test('a canary takes its share of the records routed to its model by key, stamped canary or stable; a share of 0 sends none', async () => {
  const models = served(graphModel('a'), graphModel('a', 2), graphModel('b'));
  const f = flow(plan({ route: { by: 'field', name: 'to', table: { b: [{ model: 'b:1' }] }, fallthrough: [{ model: 'a:1' }] }, canary: CANARY }), models);
  const batch = Array.from({ length: 200 }, (_, i) => ({ value: { x: 1, user: `u${i % 100}`, ...(i % 10 === 0 ? { to: 'b' } : {}) } }));
  const reply = await run(f, flowRequest(batch));
  const out = records(reply);
  const side = new Map<string, string | null>();
  for (const [i, p] of out.entries()) {
    if (p.model_name === 'b') {
      assert.equal(p.experiment, null, 'a record routed elsewhere is not split');
      continue;
    }
    assert.equal(p.experiment, 'canary:f');
    assert.equal(p.model_version, p.variant === 'canary' ? 2 : 1);
    const user = String(batch[i]?.value.user);
    assert.equal(side.get(user) ?? p.variant, p.variant, `user ${user} stays on one side`);
    side.set(user, p.variant ?? null);
  }
  const canaried = out.filter((p) => p.variant === 'canary').length;
  assert.ok(canaried > 30 && canaried < 80, `about 30% of 180: ${canaried}`);
  const runOf = (model: string) => reply.modelRuns.find((r) => r.model === model);
  assert.deepEqual([runOf('a:2')?.rows, runOf('a:2')?.failedRows], [canaried, 0]);
  assert.ok((runOf('a:2')?.ms ?? 0) > 0, 'its run time, for the latency bound');
  assert.equal(runOf('a:1')?.rows, 180 - canaried);
  const rolledBack = records(await run(f, { ...flowRequest(batch), canaryPercent: 0 }));
  assert.ok(rolledBack.every((p) => p.variant !== 'canary' && p.model_version === 1));
  const more = records(await run(f, { ...flowRequest(batch), canaryPercent: 60 }));
  for (const [i, p] of more.entries()) {
    if (side.get(String(batch[i]?.value.user)) === 'canary') assert.equal(p.variant, 'canary', 'raising the share keeps the canary keys there');
  }
});

test("a canary candidate's failures are counted in its run, whether the fallback answers them or not", async () => {
  const f = flow(plan({ canary: { ...CANARY, candidate: 'down:1', percent: 99 }, fallback: { score: 0, label: null } }), served(graphModel('a'), throwing));
  const batch = Array.from({ length: 20 }, (_, i) => ({ value: { x: 1, user: `u${i}` } }));
  const reply = await run(f, flowRequest(batch));
  const run1 = reply.modelRuns.find((r) => r.model === 'down:1');
  assert.ok(run1 !== undefined && run1.rows > 15);
  assert.equal(run1.failedRows, run1.rows);
  assert.equal(records(reply).filter((p) => p.fallback).length, run1.rows);
});
