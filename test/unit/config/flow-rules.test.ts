/** The flows and experiments settings: schema checks and cross-setting rules, each message exact. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { loadConfig } from '../../../src/config/load.ts';
import type { Violation } from '../../../src/config/violations.ts';
import { violationAt, violationsOf } from './support.ts';

/** A flow-only configuration: fraud served at versions 1 and 2, heavy at the latest on disk. */
const base = () => ({
  models: { serve: [{ name: 'fraud', version: 1 }, { name: 'fraud', version: 2 }, { name: 'heavy' }] },
  output: { topic: 'predictions', format: 'json' },
  flows: [{ name: 'fraud', inputs: [{ topic: 'payments', format: 'json' }], models: ['fraud@1'] }],
  experiments: [
    {
      id: 'ab',
      variants: [
        { name: 'control', model: 'fraud@1', weight: 1 },
        { name: 'candidate', model: 'fraud@2', weight: 1 },
      ],
    },
  ],
});

type Flow = Record<string, unknown>;
const withFlow = (flow: Flow, extra: Record<string, unknown> = {}) => ({ ...base(), flows: [{ ...base().flows[0], ...flow }], ...extra });
const reject = (overrides: Record<string, unknown>): Violation[] => violationsOf(() => loadConfig({ overrides }));
const only = (violations: readonly Violation[], path: string): string => {
  assert.deepEqual(
    violations.map((v) => v.path),
    [path],
  );
  return violationAt(violations, path);
};

test('flows and experiments default to none; a flow-only configuration needs no inputs', () => {
  const config = loadConfig({ overrides: base() });
  assert.deepEqual(config.inputs, []);
  assert.equal(config.flows[0]?.name, 'fraud');
  const plain = loadConfig({
    overrides: { models: { serve: [{ name: 'fraud' }] }, inputs: [{ topic: 'a', format: 'json', model: 'fraud' }], output: { topic: 'p', format: 'json' } },
  });
  assert.deepEqual([plain.flows, plain.experiments], [[], []]);
});

test('flow names are unique', () => {
  const flows = [base().flows[0], { name: 'fraud', inputs: [{ topic: 'other', format: 'json' }], models: ['heavy'] }];
  assert.equal(only(reject({ ...base(), flows }), 'flows[1].name'), 'duplicates flows[0] (got "fraud")');
});

test('a topic is consumed by one input or one flow', () => {
  const twice = reject(withFlow({}, { inputs: [{ topic: 'payments', format: 'json', model: 'heavy' }] }));
  assert.equal(only(twice, 'flows[0].inputs[0].topic'), 'is consumed by one input or one flow only (got "payments"; also inputs[0].topic)');
  const flows = [base().flows[0], { name: 'b', inputs: [{ topic: 'payments', format: 'json' }], models: ['heavy'] }];
  assert.equal(
    only(reject({ ...base(), flows }), 'flows[1].inputs[0].topic'),
    'is consumed by one input or one flow only (got "payments"; also flows[0].inputs[0].topic)',
  );
  const inOneFlow = reject(
    withFlow({
      inputs: [
        { topic: 'payments', format: 'json' },
        { topic: 'payments', format: 'json' },
      ],
    }),
  );
  assert.equal(only(inOneFlow, 'flows[0].inputs[1].topic'), 'duplicates flows[0].inputs[0] (got "payments")');
});

test("output and dead-letter topics, a flow's output included, are not input topics", () => {
  assert.equal(
    only(reject({ ...base(), output: { topic: 'payments', format: 'json' } }), 'output.topic'),
    'must differ from every input topic (got "payments"; same as flows[0].inputs[0].topic)',
  );
  assert.equal(
    only(reject(withFlow({ output: 'payments' })), 'flows[0].output'),
    'must differ from every input topic (got "payments"; same as flows[0].inputs[0].topic)',
  );
  assert.equal(only(reject(withFlow({ output: 'predictions.dlq' })), 'deadLetter.topic'), 'must differ from flows[0].output (got "predictions.dlq")');
  assert.equal(loadConfig({ overrides: withFlow({ output: 'predictions.fraud' }) }).flows[0]?.output, 'predictions.fraud');
});

test('avro on a flow input needs the schema registry', () => {
  const violations = reject(
    withFlow({
      inputs: [
        { topic: 'payments', format: 'json' },
        { topic: 'payments-eu', format: 'avro' },
      ],
    }),
  );
  assert.equal(only(violations, 'schemaRegistry.url'), 'is required because avro is used by flows[0].inputs[1]');
});

test('a flow has either models or route', () => {
  assert.equal(only(reject(withFlow({ models: undefined })), 'flows[0]'), 'needs models or route');
  const both = reject(withFlow({ route: { by: 'topic', cases: [{ value: 'payments', models: ['heavy'] }] } }));
  assert.equal(only(both, 'flows[0]'), 'has both models and route; a flow has one of them');
});

test('route.name is required by field and by header, and not allowed by topic', () => {
  const route = (r: Record<string, unknown>) => withFlow({ models: undefined, route: { cases: [{ value: 'DE', models: ['heavy'] }], ...r } });
  assert.equal(only(reject(route({ by: 'field' })), 'flows[0].route.name'), 'is required when route.by is "field"');
  assert.equal(only(reject(route({ by: 'header' })), 'flows[0].route.name'), 'is required when route.by is "header"');
  const topic = reject(withFlow({ models: undefined, route: { by: 'topic', name: 'x', cases: [{ value: 'payments', models: ['heavy'] }] } }));
  assert.equal(only(topic, 'flows[0].route.name'), 'must be absent when route.by is "topic" (got "x")');
  assert.equal(loadConfig({ overrides: route({ by: 'field', name: 'geo.country' }) }).flows[0]?.route?.name, 'geo.country');
});

test("a topic route's cases name the flow's own topics", () => {
  const violations = reject(withFlow({ models: undefined, route: { by: 'topic', cases: [{ value: 'elsewhere', models: ['heavy'] }] } }));
  assert.equal(only(violations, 'flows[0].route.cases[0].value'), 'must be one of the flow\'s input topics (payments) (got "elsewhere")');
});

test("route cases' values are unique and strings", () => {
  const cases = [
    { value: 'DE', models: ['heavy'] },
    { value: 'DE', models: ['fraud@1'] },
  ];
  const violations = reject(withFlow({ models: undefined, route: { by: 'field', name: 'country', cases } }));
  assert.equal(only(violations, 'flows[0].route.cases[1].value'), 'duplicates flows[0].route.cases[0] (got "DE")');
  const numeric = reject(withFlow({ models: undefined, route: { by: 'field', name: 'n', cases: [{ value: 42, models: ['heavy'] }] } }));
  assert.equal(only(numeric, 'flows[0].route.cases[0].value'), 'must be a string (quote a number: "42") (got 42)');
});

test('every model ref in a flow names a served model: "name" when one version is served, "name@N" a served version', () => {
  const unknown = reject(withFlow({ models: ['churn'] }));
  assert.equal(only(unknown, 'flows[0].models[0]'), 'must name a model in models.serve (fraud@1, fraud@2, heavy) (got "churn")');
  const ambiguous = reject(withFlow({ models: ['fraud'] }));
  assert.equal(only(ambiguous, 'flows[0].models[0]'), 'is ambiguous: models.serve lists fraud@1, fraud@2; write "fraud@<version>" (got "fraud")');
  const version = reject(withFlow({ models: ['fraud@3'] }));
  assert.equal(only(version, 'flows[0].models[0]'), 'must name a served version: models.serve lists fraud@1, fraud@2 (got "fraud@3")');
  // heavy is served at the latest on disk: which version that is, only the loaded repository knows.
  assert.deepEqual(loadConfig({ overrides: withFlow({ models: ['heavy', 'heavy@7', 'fraud@2'] }) }).flows[0]?.models, ['heavy', 'heavy@7', 'fraud@2']);
  const spelling = reject(withFlow({ models: ['fraud@v2'] }));
  assert.equal(only(spelling, 'flows[0].models[0]'), 'must be a model ref: "name" or "name@version", or "experiment:<id>" (got "fraud@v2")');
});

test("route cases' and the route default's refs are checked like a flow's models", () => {
  const route = { by: 'field', name: 'country', cases: [{ value: 'DE', models: ['heavy', 'churn'] }], default: ['fraud'] };
  const violations = reject(withFlow({ models: undefined, route }));
  assert.equal(violationAt(violations, 'flows[0].route.cases[0].models[1]'), 'must name a model in models.serve (fraud@1, fraud@2, heavy) (got "churn")');
  assert.match(violationAt(violations, 'flows[0].route.default[0]'), /^is ambiguous: /);
  assert.equal(violations.length, 2);
});

test('"experiment:<id>" names a defined experiment', () => {
  const route = { by: 'field', name: 'country', cases: [{ value: 'DE', models: ['experiment:ab'] }], default: ['experiment:nope'] };
  assert.equal(
    only(reject(withFlow({ models: undefined, route })), 'flows[0].route.default[0]'),
    'must name an experiment in experiments (ab) (got "experiment:nope")',
  );
  const none = reject({ ...withFlow({ models: ['experiment:ab'] }), experiments: [] });
  assert.equal(only(none, 'flows[0].models[0]'), 'names an experiment, but experiments is empty (got "experiment:ab")');
  assert.deepEqual(loadConfig({ overrides: withFlow({ models: ['experiment:ab'] }) }).flows[0]?.models, ['experiment:ab']);
});

test('experiment ids are unique; an experiment has two variants or more, with unique names and weights above 0', () => {
  const [ab] = base().experiments;
  assert.ok(ab);
  assert.equal(only(reject({ ...base(), experiments: [ab, ab] }), 'experiments[1].id'), 'duplicates experiments[0] (got "ab")');
  const [control] = ab.variants;
  assert.equal(only(reject({ ...base(), experiments: [{ id: 'ab', variants: [control] }] }), 'experiments[0].variants'), 'must have at least 2 entries');
  assert.equal(
    only(reject({ ...base(), experiments: [{ id: 'ab', variants: [control, control] }] }), 'experiments[0].variants[1].name'),
    'duplicates experiments[0].variants[0] (got "control")',
  );
  const zero = { ...ab, variants: [control, { name: 'candidate', model: 'fraud@2', weight: 0 }] };
  assert.equal(only(reject({ ...base(), experiments: [zero] }), 'experiments[0].variants[1].weight'), 'must be a number > 0 (got 0)');
});

test("an experiment's variants name served models, never another experiment", () => {
  const [ab] = base().experiments;
  const variants = (model: string) => [{ ...base().experiments[0]?.variants[0] }, { name: 'candidate', model, weight: 1 }];
  assert.ok(ab);
  assert.equal(
    only(reject({ ...base(), experiments: [{ ...ab, variants: variants('fraud') }] }), 'experiments[0].variants[1].model'),
    'is ambiguous: models.serve lists fraud@1, fraud@2; write "fraud@<version>" (got "fraud")',
  );
  assert.equal(
    only(reject({ ...base(), experiments: [{ ...ab, variants: variants('experiment:ab') }] }), 'experiments[0].variants[1].model'),
    'must be a model ref: "name" or "name@version" (got "experiment:ab")',
  );
  assert.equal(
    only(reject({ ...base(), experiments: [{ ...ab, key: 'user..id' }] }), 'experiments[0].key'),
    'must be a dotted field path, e.g. "user.id" (got "user..id")',
  );
});

test('hook refs are "path" or "path#export"; fallback.score is a finite number', () => {
  assert.equal(
    only(reject(withFlow({ preprocess: 'hooks.ts#' })), 'flows[0].preprocess'),
    'must be "path/to/file.ts" or "path/to/file.ts#exportName" (got "hooks.ts#")',
  );
  assert.equal(
    only(reject(withFlow({ postprocess: 'hooks.ts#1x' })), 'flows[0].postprocess'),
    'must be "path/to/file.ts" or "path/to/file.ts#exportName" (got "hooks.ts#1x")',
  );
  for (const score of [Number.POSITIVE_INFINITY, Number.NaN, '0.5']) {
    assert.equal(only(reject(withFlow({ fallback: { score } })), 'flows[0].fallback.score'), `must be a number (got ${JSON.stringify(score)})`);
  }
  const config = loadConfig({ overrides: withFlow({ preprocess: 'flows/x.ts', postprocess: 'flows/x.ts#rules', fallback: { score: 0 } }) });
  assert.deepEqual(config.flows[0]?.fallback, { score: 0 });
});

test('flows and experiments are file-only', () => {
  const violations = violationsOf(() => loadConfig({ overrides: base(), env: { SCORER_FLOWS: 'x', SCORER_EXPERIMENTS: 'y' } }));
  assert.deepEqual(violations, [
    { path: 'SCORER_FLOWS', message: 'flows is a list of mappings and can only be set in the config file' },
    { path: 'SCORER_EXPERIMENTS', message: 'experiments is a list of mappings and can only be set in the config file' },
  ]);
});

test('a fallback answers with a constant score, a served model, or both; its deadline and circuit are checked', () => {
  assert.match(only(reject(withFlow({ fallback: { label: 'x' } })), 'flows[0].fallback'), /needs score \(a constant answer\) or model/);
  assert.match(only(reject(withFlow({ fallback: { model: 'nope' } })), 'flows[0].fallback.model'), /must name a model in models.serve/);
  assert.match(only(reject(withFlow({ fallback: { score: 0, deadlineMs: 0 } })), 'flows[0].fallback.deadlineMs'), />= 1/);
  assert.ok(reject(withFlow({ fallback: { score: 0, circuit: { errorRate: 1.5 } } })).some((v) => v.path === 'flows[0].fallback.circuit.errorRate'));
  const config = loadConfig({ overrides: withFlow({ fallback: { model: 'heavy', score: 0, deadlineMs: 50, circuit: { errorRate: 0.5 } } }) });
  assert.deepEqual(config.flows[0]?.fallback, {
    model: 'heavy',
    score: 0,
    deadlineMs: 50,
    circuit: { errorRate: 0.5, minBatches: 20, windowMs: 60000, openMs: 10000 },
  });
});

test('shadow: of and candidate are served model refs, pairs unique; canary refs and bounds are checked the same way', () => {
  const shadow = (s: Record<string, unknown>) => withFlow({ shadow: [{ of: 'fraud@1', candidate: 'fraud@2', topic: 'predictions.shadow', ...s }] });
  assert.deepEqual(loadConfig({ overrides: shadow({}) }).flows[0]?.shadow, [{ of: 'fraud@1', candidate: 'fraud@2', topic: 'predictions.shadow' }]);
  assert.equal(
    only(reject(shadow({ candidate: 'churn' })), 'flows[0].shadow[0].candidate'),
    'must name a model in models.serve (fraud@1, fraud@2, heavy) (got "churn")',
  );
  assert.equal(
    only(reject(shadow({ of: 'fraud' })), 'flows[0].shadow[0].of'),
    'is ambiguous: models.serve lists fraud@1, fraud@2; write "fraud@<version>" (got "fraud")',
  );
  const twice = { of: 'fraud@1', candidate: 'heavy', topic: 'side' };
  assert.equal(
    only(reject(withFlow({ shadow: [twice, twice] })), 'flows[0].shadow[1]'),
    'duplicates flows[0].shadow[0] (got {"of":"fraud@1","candidate":"heavy"})',
  );
  assert.equal(only(reject(withFlow({ shadow: [] })), 'flows[0].shadow'), 'must have at least 1 entry');
});

test('a shadow topic is a topic of its own: not an input, an output of the primary path or the dead-letter topic', () => {
  const on = (topic: string, extra: Flow = {}) => reject(withFlow({ shadow: [{ of: 'fraud@1', candidate: 'fraud@2', topic }], ...extra }));
  const message = (topic: string, same: string) => `must be a topic of its own, not an input, output or dead-letter topic (got "${topic}"; same as ${same})`;
  assert.equal(only(on('predictions'), 'flows[0].shadow[0].topic'), message('predictions', 'output.topic'));
  assert.equal(only(on('fraud-out', { output: 'fraud-out' }), 'flows[0].shadow[0].topic'), message('fraud-out', 'flows[0].output'));
  assert.equal(only(on('payments'), 'flows[0].shadow[0].topic'), message('payments', 'flows[0].inputs[0].topic'));
  assert.equal(only(on('predictions.dlq'), 'flows[0].shadow[0].topic'), message('predictions.dlq', 'deadLetter.topic'));
});

test('canary: percent strictly between 0 and 100; bounds default to 5% errors over 200 records in a minute; refs served', () => {
  const canary = (c: Record<string, unknown>) => withFlow({ canary: { of: 'fraud@1', candidate: 'fraud@2', percent: 10, ...c } });
  assert.deepEqual(loadConfig({ overrides: canary({}) }).flows[0]?.canary, {
    of: 'fraud@1',
    candidate: 'fraud@2',
    percent: 10,
    maxErrorRate: 0.05,
    minRequests: 200,
    windowMs: 60_000,
  });
  for (const percent of [0, 100]) assert.equal(only(reject(canary({ percent })), 'flows[0].canary.percent'), `must be a number > 0 and < 100 (got ${percent})`);
  assert.equal(only(reject(canary({ maxErrorRate: 1.5 })), 'flows[0].canary.maxErrorRate'), 'must be a number between 0 and 1 (got 1.5)');
  assert.equal(only(reject(canary({ maxP99Ms: 0 })), 'flows[0].canary.maxP99Ms'), 'must be a number > 0 (got 0)');
  assert.equal(only(reject(canary({ minRequests: 0 })), 'flows[0].canary.minRequests'), 'must be an integer >= 1 (got 0)');
  assert.equal(only(reject(canary({ key: 'a..b' })), 'flows[0].canary.key'), 'must be a dotted field path, e.g. "user.id" (got "a..b")');
  assert.equal(
    only(reject(canary({ candidate: 'fraud@3' })), 'flows[0].canary.candidate'),
    'must name a served version: models.serve lists fraud@1, fraud@2 (got "fraud@3")',
  );
});
