/** The example flows the demo runs (config/flows.example.yaml): their models load, their hooks pass the start-up check and do what they say. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { postprocess, preprocess } from '../../../flows/fraud/hooks.ts';
import { loadGolden } from '../../../loadgen/events.ts';
import { predict } from '../../../models/rules/1/hooks.ts';
import { loadConfig } from '../../../src/config/load.ts';
import { buildFlowPlans } from '../../../src/flows/build-plans.ts';
import { checkFlowHooks } from '../../../src/flows/check-hooks.ts';
import type { EventContext, HookEvent, HookPrediction, PostprocessItem } from '../../../src/flows/hook-api.ts';
import { loadModelRepository } from '../../../src/models/repository.ts';
import { REPO_ROOT } from '../../support/scorer-process.ts';

const context = (offset: number): EventContext => ({ topic: 'payments', partition: 0, offset, key: null });

test('the example configuration loads its four models and builds two plans whose hooks pass the start-up check', async () => {
  const config = loadConfig({ file: `${REPO_ROOT}/config/flows.example.yaml` });
  const models = await loadModelRepository(config.models.repository, config.models.serve);
  assert.deepEqual(
    models.map((m) => [m.config.name, m.config.version, m.config.kind ?? 'onnx']),
    [
      ['fraud', 1, 'onnx'],
      ['fraud', 2, 'onnx'],
      ['heavy', 1, 'onnx'],
      ['rules', 1, 'heuristic'],
    ],
  );
  const plans = buildFlowPlans(config, models, { baseDir: REPO_ROOT });
  assert.deepEqual(plans[0]?.route, {
    by: 'field',
    name: 'country',
    table: { DE: [{ model: 'fraud:1' }], US: [{ experiment: 'fraud-v2-ab' }] },
    fallthrough: [{ model: 'fraud:2' }],
  });
  assert.deepEqual(
    plans[0]?.experiments[0]?.variants.map((v) => [v.model, v.weight]),
    [
      ['fraud:1', 50],
      ['fraud:2', 50],
    ],
  );
  assert.deepEqual(plans[1]?.route, { by: 'all', targets: [{ model: 'rules:1' }] });
  await checkFlowHooks(plans);
});

test("the fraud flow's preprocess upper-cases the country and skips payments with no positive amount", () => {
  const events: HookEvent[] = [{ amount: 12.5, country: ' de ' }, { amount: 0 }, { amount: -3, country: 'us' }, { amount: 5, country: null }];
  assert.deepEqual(
    preprocess(
      events,
      events.map((_, i) => context(i)),
    ),
    [
      { amount: 12.5, country: 'DE' },
      { skip: 'amount 0 is not positive: not a payment to score' },
      { skip: 'amount -3 is not positive: not a payment to score' },
      { amount: 5, country: null },
    ],
  );
});

test("the fraud flow's postprocess labels a high score on a large amount for review and chains the heavy model above 0.5", () => {
  const item = (model: string, score: number, amount: number): PostprocessItem => {
    const prediction: HookPrediction = { score, label: '1', attributes: {} };
    return { event: { amount }, context: context(0), model, prediction };
  };
  const items = [item('fraud:1', 0.9, 5000), item('fraud:2', 0.9, 50), item('fraud:2', 0.3, 5000), item('heavy:1', 0.95, 5000)];
  postprocess(items);
  assert.deepEqual(
    items.map((i) => i.prediction),
    [
      { score: 0.9, label: 'review', attributes: { rule: 'high-score-large-amount' }, chain: 'heavy' },
      { score: 0.9, label: '1', attributes: {}, chain: 'heavy' },
      { score: 0.3, label: '1', attributes: {} },
      { score: 0.95, label: '1', attributes: {} },
    ],
  );
});

test('the rules model scores every golden event of the fraud model in [0, 1], a riskier event higher', () => {
  const events = loadGolden(`${REPO_ROOT}/models/fraud/1`).rows.map((row): HookEvent => ({ ...row.event }));
  const scores = predict(
    events,
    events.map((_, i) => context(i)),
  );
  assert.equal(scores.length, events.length);
  for (const { score, label } of scores) {
    assert.ok(score >= 0 && score <= 1, String(score));
    assert.equal(label, score >= 0.5 ? '1' : '0');
  }
  const quiet = { amount: 20, amount_avg_30d: 25, ip_risk_score: 0.1, device_risk_score: 0.1, cvv_match: 1 };
  const risky = { ...quiet, amount: 900, ip_risk_score: 0.95, cvv_match: 0, failed_logins_24h: 4 };
  const [low, high] = predict([quiet, risky], [context(0), context(1)]);
  assert.deepEqual([low?.score, high?.score], [0.02, 0.02 + 0.35 + 0.2 + 0.15 + 0.2]);
  assert.equal(high?.label, '1');
});

test('the enrichment example loads and builds a plan with its two lookups', async () => {
  const config = loadConfig({ file: `${REPO_ROOT}/config/enrich.example.yaml` });
  const models = await loadModelRepository(config.models.repository, config.models.serve);
  const [plan] = buildFlowPlans(config, models, { baseDir: REPO_ROOT });
  assert.deepEqual(
    plan?.enrich?.lookups.map((l) => [l.key, l.as, l.fields.map((f) => f.name)]),
    [
      ['customer:{account_id}', 'hash', ['customer_ltv', 'customer_segment']],
      ['merchant:{account_id}', 'json', ['chargebacks_90d']],
    ],
  );
  assert.equal(plan?.enrich?.onUnavailable, 'wait');
});
