/**
 * A flow lane's experiments on the main thread: the request flags each batch carries (shed or not, the
 * canary's share) and what a reply's numbers do: divergence and shed counts to the metrics, the
 * candidate's runs to the guard, a rollback logged with its numbers and exported.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Log } from '../../../src/core/log.ts';
import type { FlowPlan } from '../../../src/flows/plan.ts';
import type { FlowScoredReply, ModelRun, ShadowReply } from '../../../src/inference/protocol.ts';
import { FlowExperiments } from '../../../src/models/flow-experiments.ts';
import { FakeClock } from '../../support/fake-clock.ts';

const PLAN: FlowPlan = {
  name: 'fraud',
  route: { by: 'all', targets: [{ model: 'fraud:1' }] },
  experiments: [],
  shadow: [{ of: 'fraud:1', candidate: 'fraud:2', topic: 'side' }],
  canary: { of: 'fraud:1', candidate: 'fraud:3', percent: 10, bounds: { maxErrorRate: 0.05, minRequests: 20, windowMs: 1000 } },
};

function harness() {
  const calls: unknown[][] = [];
  const warnings: { fields: Record<string, unknown>; message: string }[] = [];
  const metrics = {
    recordShadowShed: (...args: unknown[]) => calls.push(['shed', ...args]),
    recordShadow: (flow: string, primary: string, candidate: string, scored: { errors: number }) =>
      calls.push(['shadow', flow, primary, candidate, scored.errors]),
    recordCanary: (...args: unknown[]) => calls.push(['canary', ...args]),
  };
  const log: Log = {
    warn: (fields, message) => warnings.push({ fields: fields as Record<string, unknown>, message }),
    error() {},
    info() {},
    debug() {},
  };
  const clock = new FakeClock();
  const experiments = new FlowExperiments({ plan: PLAN, shadowOutputs: [{ format: 'json' }], metrics, log, clock });
  return { experiments, calls, warnings, clock };
}

function reply(runs: Record<string, Omit<ModelRun, 'model' | 'deadlineMissed'>>, shadow?: ShadowReply): FlowScoredReply {
  const modelRuns = Object.entries(runs).map(([model, run]) => ({ model, deadlineMissed: false, ...run }));
  const empty = { encoded: new Uint8Array(0), recordEnds: new Int32Array(0), rowRecords: new Int32Array(0), recordModel: new Uint16Array(0) };
  return {
    kind: 'flow-scored',
    ...empty,
    models: [],
    fallbacks: {},
    failures: [],
    hookMs: {},
    decodeMs: 0,
    inferMs: 0,
    encodeMs: 0,
    modelRuns,
    ...(shadow && { shadow }),
  };
}

const calm = { queuedRows: 0, batchesInFlight: 1, threads: 2 };

test('each request carries the shadow encodings, whether it sheds, and the canary share', () => {
  const { experiments, calls } = harness();
  assert.deepEqual(calls, [['canary', 'fraud', 'fraud:3', true]], 'the canary is exported as active from the start');
  assert.deepEqual(experiments.request(calm), { shedShadow: false, shadowOutputs: [{ format: 'json' }], canaryPercent: 10 });
  assert.equal(experiments.request({ ...calm, queuedRows: 3 }).shedShadow, true);
  assert.deepEqual(experiments.shadowTargets, [{ topic: 'side', tag: 'shadow/fraud:2' }]);
});

test('a reply records what was shed and each candidate under its primary model', () => {
  const { experiments, calls } = harness();
  const scored = {
    encoded: new Uint8Array(0),
    recordEnds: new Int32Array(0),
    rowRecords: new Int32Array(0),
    scoreDiff: new Float64Array(0),
    labelAgreement: new Int8Array(0),
  };
  experiments.observe(reply({}, { shed: 0, ms: 1, candidates: [{ ...scored, errors: 2 }] }));
  experiments.observe(reply({}, { shed: 7, ms: 0, candidates: [] }));
  assert.deepEqual(calls.slice(1), [
    ['shadow', 'fraud', 'fraud:1', 'fraud:2', 2],
    ['shed', 'fraud', 7],
  ]);
});

test("the candidate's failures roll the canary back: logged with the numbers and the bound, exported, and the share becomes 0", () => {
  const { experiments, calls, warnings } = harness();
  experiments.observe(reply({ 'fraud:3': { rows: 10, failedRows: 0, ms: 1 } }));
  experiments.observe(reply({ 'fraud:1': { rows: 90, failedRows: 90, ms: 1 } }));
  assert.equal(experiments.request(calm).canaryPercent, 10, "the stable model's failures are not the candidate's");
  experiments.observe(reply({ 'fraud:3': { rows: 10, failedRows: 2, ms: 3 } }));
  assert.equal(experiments.request(calm).canaryPercent, 0);
  assert.deepEqual(calls.at(-1), ['canary', 'fraud', 'fraud:3', false]);
  assert.equal(warnings.length, 1);
  assert.equal(warnings[0]?.message, 'canary rolled back: fraud:3 breached canary.maxErrorRate (0.1000 > 0.05); every record goes to fraud:1 from now on');
  assert.deepEqual(warnings[0]?.fields, {
    flow: 'fraud',
    candidate: 'fraud:3',
    of: 'fraud:1',
    breached: 'error-rate',
    requests: 20,
    errors: 2,
    errorRate: 0.1,
    p99Ms: 3,
    bound: 0.05,
    minRequests: 20,
    windowMs: 1000,
  });
});
