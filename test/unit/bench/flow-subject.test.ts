/** The benchmark's flow subject (bench/flow-subject.ts): the config the scorer gets, and its hooks. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SUBJECTS } from '../../../bench/catalog.ts';
import { FLOW_EXPERIMENT, FLOW_NAME } from '../../../bench/flow-subject.ts';
import { DECLINE_SCORE, LARGE_AMOUNT, postprocess, preprocess, REVIEW_SCORE, REVIEW_SCORE_LARGE } from '../../../bench/subjects/flow-hooks.ts';
import { buildFlowPlans } from '../../../src/flows/build-plans.ts';
import { checkFlowHooks } from '../../../src/flows/check-hooks.ts';
import type { EventContext, HookEvent, HookPrediction, PostprocessItem } from '../../../src/flows/hook-api.ts';
import { loadModelRepository } from '../../../src/models/repository.ts';
import { subjectConfig } from './subject-config.ts';

const SPEC = SUBJECTS['w1-flow-platformatic'];
const TOPICS = { inputTopic: 'bench-w1-flow-platformatic-in-x', outputTopic: 'bench-w1-flow-platformatic-out-x' };

/** What bench/subject.ts writes for the flow subject on TOPICS, loaded and validated as the scorer does. */
const flowConfig = () => subjectConfig(SPEC, TOPICS);

test('the flow subject replaces the plain input with one flow on the run’s input topic, writing to the run’s output', () => {
  const config = flowConfig();
  assert.equal(config.kafka.client, 'platformatic');
  assert.deepEqual(config.inputs, []);
  assert.equal(config.flows.length, 1);
  const [flow] = config.flows;
  assert.equal(flow?.name, FLOW_NAME);
  assert.deepEqual(flow?.inputs, [{ topic: TOPICS.inputTopic, format: 'avro' }]);
  // No per-flow output and no fan-out: one prediction per input event on the topic the generator counts.
  assert.equal(flow?.output ?? config.output.topic, TOPICS.outputTopic);
  assert.deepEqual(flow?.models, [`experiment:${FLOW_EXPERIMENT}`]);
  assert.equal(flow?.route, undefined);
  assert.deepEqual(
    config.models.serve.map((m) => `${m.name}@${m.version}`),
    ['fraud@1', 'fraud@2'],
  );
});

test('its models load, its plan is an A/B test of fraud 1 and 2 keyed by the record key with a shadow, and its hooks pass the start-up check', async () => {
  const config = flowConfig();
  const models = await loadModelRepository(config.models.repository, config.models.serve);
  const plans = buildFlowPlans(config, models);
  assert.equal(plans.length, 1);
  const [plan] = plans;
  assert.deepEqual(plan?.route, { by: 'all', targets: [{ experiment: FLOW_EXPERIMENT }] });
  const [experiment] = plan?.experiments ?? [];
  assert.equal(experiment?.keyField, undefined);
  assert.deepEqual(
    experiment?.variants.map((v) => [v.model, v.weight]),
    [
      ['fraud:1', 50],
      ['fraud:2', 50],
    ],
  );
  assert.ok(plan?.preprocess !== undefined && plan.postprocess !== undefined);
  assert.deepEqual(
    plan?.shadow?.map((s) => [s.of, s.candidate, s.topic]),
    [['fraud:1', 'fraud:2', `${TOPICS.outputTopic}.shadow`]],
    "the control variant's model has fraud 2 in shadow, on the run's side topic",
  );
  await checkFlowHooks(plans);
});

const context = (offset: number): EventContext => ({ topic: TOPICS.inputTopic, partition: 0, offset, key: `acct-${offset}` });

test('the preprocess normalises the country and never skips an event', () => {
  const events: HookEvent[] = [
    { amount: 12.5, country: ' de ' },
    { amount: 0, country: 'US' },
    { amount: -3, country: null },
  ];
  const out = preprocess(
    events,
    events.map((_, i) => context(i)),
  );
  assert.deepEqual(out, [
    { amount: 12.5, country: 'DE' },
    { amount: 0, country: 'US' },
    { amount: -3, country: null },
  ]);
});

test('the postprocess writes a decision on every prediction, from the score and the amount, and never chains', () => {
  const item = (score: number, amount: number): PostprocessItem => {
    const prediction: HookPrediction = { score, label: '1', attributes: {} };
    return { event: { amount }, context: context(0), model: 'fraud:1', prediction };
  };
  const large = LARGE_AMOUNT + 1;
  const items = [item(DECLINE_SCORE, 5), item(REVIEW_SCORE, 5), item(REVIEW_SCORE_LARGE, large), item(REVIEW_SCORE_LARGE, LARGE_AMOUNT), item(0.01, large)];
  postprocess(items);
  assert.deepEqual(
    items.map((i) => i.prediction.attributes['decision']),
    ['decline', 'review', 'review', 'approve', 'approve'],
  );
  assert.ok(items.every((i) => i.prediction.chain === undefined && i.prediction.score >= 0 && i.prediction.label === '1'));
});
