/**
 * The flow executor without onnxruntime: graph model doubles (x / 100, failing on x = 13), hooks from
 * real .ts fixture modules loaded as a worker loads them, the real codecs and prediction schema.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import type { FlowHooks, HeuristicModel } from '../../../src/flows/flow-model.ts';
import { loadFlowHooks, loadModelHooks } from '../../../src/flows/hook-loader.ts';
import type { ModelConfig } from '../../../src/inference/types.ts';
import { AVRO_OUTPUT, flow, flowRequest, graphModel, plan, records, rows, run, served, summary } from './support.ts';

const FIXTURES = join(import.meta.dirname, 'fixtures');
const FLOW_HOOKS = join(FIXTURES, 'flow-hooks.ts');

async function flowHooks(which: { preprocess?: string; postprocess?: string }): Promise<FlowHooks> {
  return loadFlowHooks(
    plan({
      ...(which.preprocess && { preprocess: { file: FLOW_HOOKS, export: which.preprocess } }),
      ...(which.postprocess && { postprocess: { file: FLOW_HOOKS, export: which.postprocess } }),
    }),
  );
}

async function rulesModel(): Promise<HeuristicModel> {
  const config: ModelConfig = { name: 'rules', version: 1, kind: 'heuristic', inputs: [], outputs: { score: { output: '' } }, missingRequired: 'dlq' };
  const { predict, ...hooks } = await loadModelHooks(config, join(FIXTURES, 'rules-model.ts'));
  assert.ok(predict);
  return { kind: 'heuristic', config, predict, hooks };
}

test('routing by field: each row to its table entry, the others to the fallthrough; the record says which flow', async () => {
  const models = served(graphModel('de'), graphModel('any'));
  const f = flow(plan({ route: { by: 'field', name: 'country', table: { DE: [{ model: 'de:1' }] }, fallthrough: [{ model: 'any:1' }] } }), models);
  const reply = await run(f, flowRequest([{ value: { x: 1, country: 'DE' } }, { value: { x: 2, country: 'FR' } }, { value: { x: 3 } }]));
  assert.deepEqual(summary(reply), [['de:1'], ['any:1'], ['any:1']]);
  const [first] = records(reply);
  assert.equal(first?.flow, 'f');
  assert.equal(first?.score, 0.01);
  assert.equal(first?.source_offset, 100);
  assert.deepEqual(reply.models, ['de:1', 'any:1']);
  assert.deepEqual([...reply.recordModel], [0, 1, 1]);
});

test('routing by header and by topic', async () => {
  const models = served(graphModel('eu'), graphModel('us'));
  const byHeader = flow(plan({ route: { by: 'header', name: 'market', table: { eu: [{ model: 'eu:1' }] }, fallthrough: [{ model: 'us:1' }] } }), models);
  assert.deepEqual(
    summary(
      await run(
        byHeader,
        flowRequest([
          { value: { x: 1 }, header: 'eu' },
          { value: { x: 1 }, header: null },
        ]),
      ),
    ),
    [['eu:1'], ['us:1']],
  );
  const byTopic = flow(
    plan({ route: { by: 'topic', name: '', table: { 'eu-in': [{ model: 'eu:1' }], 'us-in': [{ model: 'us:1' }] }, fallthrough: [] } }),
    models,
  );
  const reply = await run(
    byTopic,
    flowRequest([
      { value: { x: 1 }, topic: 'us-in' },
      { value: { x: 1 }, topic: 'eu-in' },
      { value: { x: 1 }, topic: 'other' },
    ]),
  );
  assert.deepEqual(summary(reply), [['us:1'], ['eu:1'], 'NO_MODEL']);
  assert.match(reply.failures[0]?.message ?? '', /flow f routes no model/);
  assert.equal(records(reply)[0]?.source_topic, 'us-in');
});

test('fan-out: a row routed to two models writes one record per model, in target order; each model runs once', async () => {
  const a = graphModel('a');
  const b = graphModel('b', 1, {}, 2);
  const f = flow(plan({ route: { by: 'all', targets: [{ model: 'b:1' }, { model: 'a:1' }] } }), served(a, b));
  const reply = await run(f, flowRequest([{ value: { x: 10 } }, { value: { x: 20 } }]));
  assert.deepEqual(summary(reply), [
    ['b:1', 'a:1'],
    ['b:1', 'a:1'],
  ]);
  assert.deepEqual([...reply.rowRecords], [2, 4]);
  assert.deepEqual(
    records(reply).map((p) => p.score),
    [0.2, 0.1, 0.4, 0.2],
  );
  assert.deepEqual([a.runs, b.runs], [[2], [2]]);
});

test('an experiment stamps each record with its experiment and variant, the same for a key in every batch', async () => {
  const models = served(graphModel('m', 1), graphModel('m', 2));
  const p = plan({
    route: { by: 'all', targets: [{ experiment: 'exp' }] },
    experiments: [
      {
        id: 'exp',
        keyField: 'user',
        variants: [
          { name: 'control', model: 'm:1', weight: 1 },
          { name: 'candidate', model: 'm:2', weight: 1 },
        ],
      },
    ],
  });
  const batch = Array.from({ length: 40 }, (_, i) => ({ value: { x: 1, user: `u${i % 20}` } }));
  const first = records(await run(flow(p, models), flowRequest(batch)));
  const again = records(await run(flow(p, models), flowRequest(batch.slice().reverse())));
  for (const r of first) {
    assert.equal(r.experiment, 'exp');
    assert.equal(r.model_version, r.variant === 'control' ? 1 : 2);
  }
  const variants = (rs: typeof first, order: number[]) => order.map((i) => rs[i]?.variant);
  const order = Array.from({ length: 20 }, (_, i) => i);
  assert.deepEqual(
    variants(first, order),
    variants(
      first,
      order.map((i) => i + 20),
    ),
    'the same user, the same variant in one batch',
  );
  assert.deepEqual(
    variants(first, order),
    variants(
      again,
      order.map((i) => 39 - i),
    ),
    'and in another',
  );
  assert.equal(new Set(first.map((r) => r.variant)).size, 2);
});

test('preprocess adjusts events and skips some with a reason; a throw fails the rows of its call only', async () => {
  const hooks = await flowHooks({ preprocess: 'preprocess' });
  const f = flow(plan({}), served(graphModel('a')), hooks);
  const reply = await run(f, flowRequest([{ value: { x: 10, double: true } }, { value: { x: 1, skip: 'not eligible' } }, { value: { x: 3 } }]));
  const got = rows(reply);
  assert.equal((got[0] as { score: number }[])[0]?.score, 0.2);
  assert.deepEqual(got[1], { row: 1, reason: 'SKIPPED', message: 'preprocess: not eligible' });
  assert.equal((got[2] as { score: number }[])[0]?.score, 0.03);
  assert.deepEqual(reply.hookMs['preprocess'] !== undefined, true);

  const thrown = await run(f, flowRequest([{ value: { x: 1 } }, { value: Buffer.from('{oops') }, { value: { x: 2, explode: true } }]));
  assert.deepEqual(summary(thrown), ['HOOK_FAILED', 'JSON_DECODE', 'HOOK_FAILED'], 'a row that failed before keeps its own reason');
  assert.match(thrown.failures[0]?.message ?? '', /hook preprocess \(.*flow-hooks\.ts#preprocess\) threw: Error: preprocess exploded/);
});

test("a model's preprocess runs on its rows only, and its throw fails only them", async () => {
  const scaled = graphModel('scaled', 1, await loadModelHooks(graphModel('scaled').config, join(FIXTURES, 'model-preprocess.ts')));
  const f = flow(
    plan({ route: { by: 'field', name: 'm', table: { s: [{ model: 'scaled:1' }] }, fallthrough: [{ model: 'a:1' }] } }),
    served(scaled, graphModel('a')),
  );
  const reply = await run(f, flowRequest([{ value: { x: 2, m: 's' } }, { value: { x: 2 } }]));
  assert.deepEqual(
    records(reply).map((p) => p.score),
    [0.2, 0.02],
  );
  const thrown = await run(f, flowRequest([{ value: { x: 2, m: 's', modelBoom: true } }, { value: { x: 2 } }]));
  assert.deepEqual(summary(thrown), ['HOOK_FAILED', ['a:1']]);
  assert.match(thrown.failures[0]?.message ?? '', /hook model-preprocess:scaled:1 .* threw: Error: model preprocess failed/);
  assert.ok(thrown.hookMs['model-preprocess:scaled:1'] !== undefined);
});

test('postprocess overrides the label and writes attributes; a throw fails the rows of that model only', async () => {
  const hooks = await flowHooks({ postprocess: 'postprocess' });
  const models = served(graphModel('a'), graphModel('b'), graphModel('heavy'));
  const f = flow(plan({ route: { by: 'field', name: 'to', table: { b: [{ model: 'b:1' }] }, fallthrough: [{ model: 'a:1' }] } }), models, hooks);
  const reply = await run(f, flowRequest([{ value: { x: 90 } }, { value: { x: 10 } }], AVRO_OUTPUT));
  const [high, low] = records(reply, AVRO_OUTPUT);
  assert.equal(high?.label, 'high');
  assert.equal(low?.label, null);
  assert.deepEqual(low?.attributes, { rule: 'checked', seen: 'a:1@101' });

  const thrown = await run(f, flowRequest([{ value: { x: 1, to: 'b', boom: true } }, { value: { x: 1 } }, { value: { x: 1, to: 'b' } }]));
  assert.deepEqual(summary(thrown), ['HOOK_FAILED', ['a:1'], 'HOOK_FAILED']);
  assert.match(thrown.failures[1]?.message ?? '', /hook postprocess .* threw: Error: postprocess went boom/);
});

test('a heuristic model is scored by its predict hook, then its own postprocess, then the flow postprocess', async () => {
  const hooks = await flowHooks({ postprocess: 'postprocess' });
  const f = flow(plan({ route: { by: 'all', targets: [{ model: 'rules:1' }] } }), served(await rulesModel()), hooks);
  const reply = await run(f, flowRequest([{ value: { amount: 700, chainTo: null }, key: 'k1' }, { value: { amount: 100 } }], AVRO_OUTPUT));
  const [high, low] = records(reply, AVRO_OUTPUT);
  assert.equal(high?.score, 0.7);
  assert.equal(high?.label, 'high', 'the flow postprocess ran last: the predict hook said review:k1');
  assert.equal(high?.model_name, 'rules');
  assert.deepEqual(low?.attributes, { 'model-hook': 'rules', rule: 'checked', seen: 'rules:1@101' });
  assert.ok(reply.hookMs['predict:rules:1'] !== undefined && reply.hookMs['model-postprocess:rules:1'] !== undefined);
  assert.equal(reply.inferMs, 0, 'no graph ran');
});

test('a heuristic predict that throws: HOOK_FAILED without a fallback, the fallback with one', async () => {
  const rules = await rulesModel();
  const request = () => flowRequest([{ value: { amount: 1, fail: true } }]);
  const bare = await run(flow(plan({ route: { by: 'all', targets: [{ model: 'rules:1' }] } }), served(rules)), request());
  assert.deepEqual(summary(bare), ['HOOK_FAILED']);
  assert.match(bare.failures[0]?.message ?? '', /predict:rules:1 .* threw: Error: rules failed/);
  const withFallback = flow(plan({ route: { by: 'all', targets: [{ model: 'rules:1' }] }, fallback: { score: 0.5, label: 'fallback' } }), served(rules));
  const [p] = records(await run(withFallback, request()));
  assert.equal(p?.fallback, true);
  assert.equal(p?.label, 'fallback');
});

test('a row the model fails on alone gets the fallback, flagged and counted; without one it is INFERENCE_FAILED', async () => {
  const events = [{ value: { x: 1 } }, { value: { x: 13 } }, { value: { x: 3 } }, { value: { x: 4 } }];
  const a = graphModel('a');
  const fallback = flow(plan({ fallback: { score: 0, label: 'unknown' } }), served(a));
  const reply = await run(fallback, flowRequest(events, AVRO_OUTPUT));
  const predictions = records(reply, AVRO_OUTPUT);
  assert.deepEqual(
    predictions.map((p) => [p.score, p.fallback, p.fallback_reason]),
    [
      [0.01, false, null],
      [0, true, 'model-error'],
      [0.03, false, null],
      [0.04, false, null],
    ],
  );
  assert.equal(predictions[1]?.label, 'unknown');
  assert.deepEqual(reply.fallbacks, { 'model-error': 1 });
  assert.equal(a.runs[0], 4, 'one run for the whole batch first, then the bisection');

  const bare = await run(flow(plan({}), served(graphModel('a'))), flowRequest(events));
  assert.deepEqual(summary(bare), [['a:1'], 'INFERENCE_FAILED', ['a:1'], ['a:1']]);
  assert.match(bare.failures[0]?.message ?? '', /^model-error: Error: graph failed/);
  assert.deepEqual(bare.fallbacks, {});
});

test('chaining: a prediction above the threshold is scored by the chained model too, and the record carries both', async () => {
  const hooks = await flowHooks({ postprocess: 'postprocess' });
  const heavy = graphModel('heavy', 2, {}, 0.5);
  const f = flow(plan({}), served(graphModel('a'), graphModel('heavy', 1), heavy), hooks);
  const reply = await run(f, flowRequest([{ value: { x: 80 } }, { value: { x: 20 } }, { value: { x: 60 } }], AVRO_OUTPUT));
  const [first, second, third] = records(reply, AVRO_OUTPUT);
  assert.equal(first?.score, 0.8);
  assert.deepEqual(
    first?.chained?.map((c) => ({ ...c })),
    [{ model_name: 'heavy', model_version: 2, score: 0.4, label: null }],
    '"heavy" is its highest served version',
  );
  assert.deepEqual(second?.chained, []);
  assert.equal(third?.chained?.[0]?.score, 0.3);
  assert.deepEqual(heavy.runs, [2], 'the chained rows are scored in one run');
  assert.equal(reply.models.length, 1, 'a chained result is not a record of its own');
});

test('chaining to a model that is not served fails the row, naming it', async () => {
  const hooks = await flowHooks({ postprocess: 'postprocess' });
  const f = flow(plan({}), served(graphModel('a')), hooks);
  const reply = await run(f, flowRequest([{ value: { x: 90, chainTo: 'nope:3' } }, { value: { x: 10 } }]));
  assert.deepEqual(summary(reply), ['HOOK_FAILED', ['a:1']]);
  assert.match(reply.failures[0]?.message ?? '', /chained model "nope:3", which is not served/);
});

test('decode and feature failures: the same reasons as the plain path, row by row, Avro and JSON mixed', async () => {
  const f = flow(plan({}), served(graphModel('a')));
  const corrupt = Buffer.from([0, 0, 0, 0, 7, 0xff]);
  const reply = await run(
    f,
    flowRequest([{ value: { x: 5, country: 'DE' }, avro: 7 }, { value: corrupt }, { value: Buffer.from('[1]') }, { value: { y: 1 } }, { value: { x: 6 } }]),
  );
  // The corrupt value is sent with schema id JSON_RECORD by the helper, so it is a JSON failure; an Avro one below.
  assert.deepEqual(summary(reply), [['a:1'], 'JSON_DECODE', 'JSON_DECODE', 'MISSING_FEATURE', ['a:1']]);
  const avro = flowRequest([
    { value: { x: 5 }, avro: 7 },
    { value: { x: 6 }, avro: 7 },
  ]);
  const truncated = avro.values.slice(0, (avro.valueEnds[1] as number) - 1);
  const bad = { ...avro, values: truncated, valueEnds: Int32Array.from([avro.valueEnds[0] as number, truncated.length]) };
  assert.deepEqual(summary(await run(f, bad)), [['a:1'], 'AVRO_DECODE']);
});

test('a hook answer the output schema could not hold fails its row as HOOK_FAILED before encoding', async () => {
  const hooks: FlowHooks = {
    postprocess: {
      where: 'inline#postprocess',
      fn: (items) => {
        for (const item of items) if (item.event['bad'] === true) (item.prediction as { score: unknown }).score = 'high';
      },
    },
  };
  const reply = await run(flow(plan({}), served(graphModel('a')), hooks), flowRequest([{ value: { x: 1, bad: true } }, { value: { x: 2 } }], AVRO_OUTPUT));
  assert.deepEqual(
    rows(reply, AVRO_OUTPUT).map((r) => ('reason' in r ? r.reason : r.length)),
    ['HOOK_FAILED', 1],
  );
  assert.match(reply.failures[0]?.message ?? '', /score is a string, not a number/);
});

test('a prediction the output schema refuses fails its row as ENCODE_FAILED; a fan-out row writes none of its records', async () => {
  const strict = JSON.stringify({
    type: 'record',
    name: 'P',
    fields: [
      { name: 'score', type: 'double' },
      { name: 'model_name', type: { type: 'enum', name: 'M', symbols: ['a'] } },
    ],
  });
  const output = { format: 'avro', schemaId: 5, schema: strict } as const;
  const f = flow(
    plan({ route: { by: 'field', name: 'to', table: { both: [{ model: 'a:1' }, { model: 'b:1' }] }, fallthrough: [{ model: 'a:1' }] } }),
    served(graphModel('a'), graphModel('b')),
  );
  const reply = await run(f, flowRequest([{ value: { x: 1 } }, { value: { x: 2, to: 'both' } }, { value: { x: 3 } }], output));
  assert.deepEqual(
    reply.failures.map((x) => [x.row, x.reason]),
    [[1, 'ENCODE_FAILED']],
  );
  assert.deepEqual([...reply.rowRecords], [1, 1, 2]);
  assert.equal(reply.recordEnds.length, 2);
});

test('a flow that routes to a model the worker does not serve is refused when compiled', () => {
  assert.throws(
    () => flow(plan({ route: { by: 'all', targets: [{ model: 'ghost:1' }] } }), served(graphModel('a'))),
    /flow f routes to ghost:1, which this worker does not serve/,
  );
});

/** A graph double that takes `ms` to answer (onnxruntime runs off the JS thread, so a deadline can pass). */
function slowGraph(name: string, ms: number) {
  const model = graphModel(name);
  const run = model.run.bind(model);
  return {
    ...model,
    run: async (feeds: Parameters<typeof run>[0], n: number) =>
      new Promise<Awaited<ReturnType<typeof run>>>((resolve) => setTimeout(() => resolve(run(feeds, n)), ms)),
  };
}

test('a model that misses its deadline for a batch is answered by the fallback, flagged deadline, and reported as such', async () => {
  const a = slowGraph('a', 200);
  const f = flow(plan({ fallback: { score: 0.25, label: null, deadlineMs: 20 } }), served(a));
  const reply = await run(f, flowRequest([{ value: { x: 1 } }, { value: { x: 2 } }]));
  assert.deepEqual(
    records(reply).map((p) => [p.score, p.fallback, p.fallback_reason, p.model_name]),
    [
      [0.25, true, 'deadline', 'a'],
      [0.25, true, 'deadline', 'a'],
    ],
  );
  assert.deepEqual(reply.fallbacks, { deadline: 2 });
  assert.deepEqual(
    reply.modelRuns.map(({ ms: _, ...run }) => run),
    [{ model: 'a:1', rows: 2, failedRows: 2, deadlineMissed: true }],
  );
  const inTime = await run(
    flow(plan({ fallback: { score: 0.25, label: null, deadlineMs: 1000 } }), served(slowGraph('a', 5))),
    flowRequest([{ value: { x: 1 } }]),
  );
  assert.deepEqual(
    records(inTime).map((p) => [p.score, p.fallback]),
    [[0.01, false]],
    'within the deadline the model answers',
  );
});

test('a model whose circuit is open is not run: the fallback answers, and the batch reports no run of it', async () => {
  const a = graphModel('a');
  const f = flow(plan({ fallback: { score: 0.5, label: 'open' } }), served(a));
  const reply = await run(f, { ...flowRequest([{ value: { x: 1 } }]), openCircuits: ['a:1'] });
  assert.deepEqual(
    records(reply).map((p) => [p.score, p.label, p.fallback_reason]),
    [[0.5, 'open', 'circuit-open']],
  );
  assert.deepEqual(a.runs, [], 'the model did not run');
  assert.deepEqual(reply.modelRuns, []);
});

test("the fallback's model answers first (a previous version, say), the constant what it cannot; with neither, the model's own reason", async () => {
  const previous = graphModel('a', 1, {}, 2);
  const current = graphModel('a', 2);
  const events = [{ value: { x: 13 } }, { value: { x: 4 } }];
  const withModel = flow(plan({ route: { by: 'all', targets: [{ model: 'a:2' }] }, fallback: { label: null, model: 'a:1' } }), served(previous, current));
  const reply = await run(withModel, flowRequest([{ value: { x: 5 } }, ...events]));
  // x = 13 fails on both versions: with no constant it is dead-lettered; x = 5 and 4 are answered by a:2 itself.
  assert.deepEqual(summary(reply), [['a:2'], 'INFERENCE_FAILED', ['a:2']]);
  const slow = slowGraph('a', 200);
  const answered = flow(
    plan({ route: { by: 'all', targets: [{ model: 'a:1' }] }, fallback: { label: null, model: 'a:2', score: 0, deadlineMs: 20 } }),
    served(slow, current),
  );
  const predictions = records(await run(answered, flowRequest(events)));
  assert.deepEqual(
    predictions.map((p) => [p.model_name, p.model_version, p.score, p.fallback_reason, p.attributes?.['fallback_model']]),
    [
      ['a', 1, 0, 'deadline', undefined],
      ['a', 1, 0.04, 'deadline', 'a:2'],
    ],
    "the routed model's name stays on the record; the model that answered is in attributes; the constant took the row a:2 failed on too",
  );
});
