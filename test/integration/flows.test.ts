/**
 * Model flows on a real broker: a flow's preprocess hook adjusts and skips events before routing by a
 * field; a routed value fans out to two models; a postprocess rule writes an attribute and chains the
 * heavy model above a threshold; a hook that throws fails only the records of its call (HOOK_FAILED);
 * a heuristic model that throws is answered by the flow's fallback, flagged; routing by a header; an
 * A/B experiment keeps a key in one variant across a restart, Avro in and out through the real schema
 * registry (the experiment's key field checked against the input's latest schema, the output schema
 * registered again by the restarted scorer). Every input offset is accounted for, as predictions or as
 * dead letters with their reason.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { SchemaRegistry } from '@kafkajs/confluent-schema-registry';
import type { Message } from 'kafkajs';
import { DLQ_HEADERS } from '../../src/delivery/dead-letter.ts';
import { FLOW_HOOKS, flowRepository } from '../support/flow-repository.ts';
import { type Collected, collect, committedOffsets, endOffsets, uniqueName } from '../support/kafka.ts';
import { realRegistry } from '../support/registry.ts';
import { avroMessages, goldenEvents, jsonMessages, produceEvents, registerPaymentSchema, scenarioTopics, scorerConfig } from '../support/scenario.ts';
import { startScorer, stopScorer } from '../support/scorer-process.ts';

interface FlowPrediction {
  readonly score: number;
  readonly label: string | null;
  readonly model_name: string;
  readonly source_partition: number;
  readonly source_offset: number;
  readonly flow: string | null;
  readonly experiment: string | null;
  readonly variant: string | null;
  readonly fallback: boolean;
  readonly fallback_reason: string | null;
  readonly chained: readonly { model_name: string; score: number }[];
  readonly attributes: Readonly<Record<string, string>>;
  readonly key: string | null;
}

function predictions(collected: readonly Collected[]): FlowPrediction[] {
  return collected.map((c) => ({ ...JSON.parse((c.value as Buffer).toString('utf8')), key: c.key?.toString() ?? null }));
}

async function avroPredictions(collected: readonly Collected[], registry: SchemaRegistry): Promise<FlowPrediction[]> {
  const out: FlowPrediction[] = [];
  for (const c of collected) out.push({ ...(await registry.decode(c.value as Buffer)), key: c.key?.toString() ?? null });
  return out;
}

function header(c: Collected, name: string): string | undefined {
  const value = c.headers[name];
  return value === undefined ? undefined : String(value);
}

const id = (partition: number | string, offset: number | string) => `${partition}:${offset}`;

/** Which input offsets got what: predictions by source id, dead letters by source id with their reason. */
function account(out: readonly Collected[], dlq: readonly Collected[]) {
  const scored = new Map<string, FlowPrediction[]>();
  for (const p of predictions(out)) {
    const key = id(p.source_partition, p.source_offset);
    scored.set(key, [...(scored.get(key) ?? []), p]);
  }
  const dead = new Map<string, string>();
  for (const d of dlq) dead.set(id(header(d, DLQ_HEADERS.partition) ?? '', header(d, DLQ_HEADERS.offset) ?? ''), header(d, DLQ_HEADERS.reason) ?? '');
  return { scored, dead };
}

function flowScorer(options: {
  groupId: string;
  repository: string;
  input: string;
  output: string;
  dlq: string;
  flows: unknown[];
  experiments?: unknown[];
  /** Avro output through this registry; JSON without one. */
  registryUrl?: string;
}) {
  const base = scorerConfig({
    groupId: options.groupId,
    inputs: [],
    output: options.output,
    outputFormat: options.registryUrl === undefined ? 'json' : 'avro',
    deadLetter: options.dlq,
    ...(options.registryUrl === undefined ? {} : { registryUrl: options.registryUrl }),
  });
  return {
    ...base,
    models: {
      repository: options.repository,
      serve: [{ name: 'fraud', version: 1 }, { name: 'heavy' }, { name: 'flaky' }],
    },
    flows: options.flows,
    experiments: options.experiments ?? [],
    batching: { maxBatchSize: 64, maxDelayMs: 2 },
  };
}

test('a flow routes by a field after its preprocess hook, fans out, chains, falls back, and fails only a throwing hook call', async (t) => {
  const { input, output, dlq } = await scenarioTopics(t, 'flow-route', 3);
  const repository = await flowRepository(t);
  const events = goldenEvents(1200);
  const messages: Message[] = events.map(({ key, event }, i) => {
    const value: Record<string, unknown> = { ...event };
    // Lower case: the preprocess hook upper-cases it before routing, so these must route as GB.
    if (i % 10 === 1) value['country'] = 'gb';
    if (i % 97 === 5) value['skip_reason'] = 'test skip';
    if (i % 101 === 7) value['flaky_fail'] = true;
    return { key, value: JSON.stringify(value) };
  });
  // One bomb, alone in the topic's middle: its preprocess call fails, and only that call's records.
  messages.splice(600, 0, { key: 'bomb', value: JSON.stringify({ ...events[0]?.event, hook_bomb: true }) });
  await produceEvents(input, messages);

  const groupId = uniqueName('flow-route-group');
  const scorer = await startScorer(
    flowScorer({
      groupId,
      repository,
      input,
      output,
      dlq,
      flows: [
        {
          name: 'payments',
          inputs: [{ topic: input, format: 'json' }],
          preprocess: `${FLOW_HOOKS}#preprocess`,
          route: {
            by: 'field',
            name: 'country',
            cases: [
              { value: 'US', models: ['fraud'] },
              { value: 'GB', models: ['fraud', 'flaky'] },
            ],
            default: ['flaky'],
          },
          postprocess: `${FLOW_HOOKS}#postprocess`,
          fallback: { score: 0.25, label: 'fallback' },
        },
      ],
    }),
  );
  t.after(() => stopScorer(scorer, 'SIGKILL', 5000));
  await scorer.waitReady();

  const total = messages.length;
  const both = await collect(
    [output, dlq],
    (all) => {
      const { scored, dead } = account(
        all.filter((c) => c.topic === output),
        all.filter((c) => c.topic === dlq),
      );
      return scored.size + dead.size >= total;
    },
    120_000,
  );
  const out = both.filter((c) => c.topic === output);
  const dead = both.filter((c) => c.topic === dlq);
  assert.equal((await stopScorer(scorer, 'SIGTERM', 30_000)).code, 0, scorer.logs().slice(-3000));

  const { scored, dead: deadLetters } = account(out, dead);
  assert.equal(scored.size + deadLetters.size, total, 'every input offset has predictions or a dead letter');
  for (const key of scored.keys()) assert.ok(!deadLetters.has(key), `offset ${key} has both predictions and a dead letter`);

  const reasons = [...deadLetters.values()];
  const skipped = messages.filter((m) => String(m.value).includes('skip_reason')).length;
  assert.ok(reasons.filter((r) => r === 'SKIPPED').length >= skipped - 64, 'skipped events go to the DLQ as SKIPPED');
  const hookFailed = reasons.filter((r) => r === 'HOOK_FAILED').length;
  assert.ok(hookFailed >= 1 && hookFailed <= 64, `the throwing preprocess failed its own call's records only (${hookFailed}, batch at most 64)`);
  assert.deepEqual(new Set(reasons), new Set(['SKIPPED', 'HOOK_FAILED']), 'no other dead letters');

  const all = [...scored.values()];
  for (const ps of all) for (const p of ps) assert.equal(p.flow, 'payments');
  const byModel = (ps: FlowPrediction[]) =>
    ps
      .map((p) => p.model_name)
      .sort()
      .join('+');
  const routed = new Map<string, number>();
  for (const ps of all) routed.set(byModel(ps), (routed.get(byModel(ps)) ?? 0) + 1);
  assert.deepEqual([...routed.keys()].sort(), ['flaky', 'flaky+fraud', 'fraud'], `routes: ${JSON.stringify([...routed])}`);

  // The lower-cased 'gb' events were routed as GB: two predictions each.
  const gb = all.filter((ps) => ps.length === 2);
  const expectedGb = events.filter((e, i) => (i % 10 === 1 || e.event['country'] === 'GB') && i % 97 !== 5).length;
  assert.ok(gb.length >= expectedGb - 64, `fan-out for GB: ${gb.length} of about ${expectedGb}`);

  const fraud = all.flat().filter((p) => p.model_name === 'fraud');
  for (const p of fraud) {
    assert.equal(p.attributes['band'], p.score > 0.5 ? 'high' : 'low', 'the postprocess rule wrote its attribute');
    assert.equal(p.chained.length, p.score > 0.5 ? 1 : 0, 'the heavy model is chained exactly above 0.5');
    if (p.score > 0.5) assert.equal(p.chained[0]?.model_name, 'heavy');
  }
  assert.ok(
    fraud.some((p) => p.chained.length === 1),
    'some fraud predictions were above 0.5 and chained',
  );

  const fallbacks = all.flat().filter((p) => p.fallback);
  t.diagnostic(
    `routes ${JSON.stringify([...routed])}; dead letters ${JSON.stringify(Object.fromEntries(['SKIPPED', 'HOOK_FAILED'].map((r) => [r, reasons.filter((x) => x === r).length])))}; ` +
      `chained ${fraud.filter((p) => p.chained.length > 0).length}; fallbacks ${fallbacks.length}`,
  );
  assert.ok(fallbacks.length >= 1, 'the throwing heuristic was answered by the fallback');
  for (const p of fallbacks) {
    assert.equal(p.model_name, 'flaky');
    assert.equal(p.score, 0.25);
    assert.equal(p.label, 'fallback');
    assert.ok(p.fallback_reason, 'a fallback says why');
  }
  assert.ok(
    all.flat().some((p) => p.model_name === 'flaky' && !p.fallback),
    'the heuristic answered for the batches it did not throw on',
  );
  assert.deepEqual(await committedOffsets(groupId, input), await endOffsets(input), 'committed to the end');
});

test('a flow routes by a header; an A/B experiment keeps each key in its variant across a restart', async (t) => {
  const { input, output, dlq } = await scenarioTopics(t, 'flow-ab', 3);
  const repository = await flowRepository(t);
  const groupId = uniqueName('flow-ab-group');
  const { url, registry } = await realRegistry();
  const schemaId = await registerPaymentSchema(registry, input);
  const config = flowScorer({
    groupId,
    repository,
    input,
    output,
    dlq,
    registryUrl: url,
    flows: [
      {
        name: 'ab',
        inputs: [{ topic: input, format: 'avro' }],
        route: { by: 'header', name: 'x-route', cases: [{ value: 'rules', models: ['flaky'] }], default: ['experiment:fraud-ab'] },
      },
    ],
    experiments: [
      {
        id: 'fraud-ab',
        key: 'account_id',
        variants: [
          { name: 'control', model: 'fraud', weight: 1 },
          { name: 'treatment', model: 'heavy', weight: 1 },
        ],
      },
    ],
  });
  const batch = async (from: number, n: number): Promise<Message[]> =>
    (await avroMessages(registry, schemaId, goldenEvents(from + n, 300).slice(from))).map((m, i) => ({
      ...m,
      headers: i % 5 === 0 ? { 'x-route': 'rules' } : {},
    }));

  const first = await batch(0, 1500);
  await produceEvents(input, first);
  let scorer = await startScorer(config);
  t.after(() => stopScorer(scorer, 'SIGKILL', 5000));
  await scorer.waitReady();
  await collect(output, (all) => all.length >= first.length, 120_000);
  const metrics = await scorer.metrics();
  assert.match(metrics, /scorer_predictions_produced_total\{model="heavy:1"\}/);
  assert.equal((await stopScorer(scorer, 'SIGTERM', 30_000)).code, 0);

  const second = await batch(1500, 1500);
  await produceEvents(input, second);
  scorer = await startScorer(config);
  await scorer.waitReady();
  const out = await avroPredictions(await collect(output, (all) => all.length >= first.length + second.length, 120_000), registry);
  assert.equal((await stopScorer(scorer, 'SIGTERM', 30_000)).code, 0);

  const byHeader = out.filter((p) => p.experiment === null);
  assert.ok(byHeader.length > 0 && byHeader.every((p) => p.model_name === 'flaky'), 'the header routed its records to the heuristic');
  const variants = new Map<string, Set<string>>();
  for (const p of out.filter((p) => p.experiment !== null)) {
    assert.equal(p.experiment, 'fraud-ab');
    assert.equal(p.model_name, p.variant === 'control' ? 'fraud' : 'heavy', 'the variant names its model');
    const seen = variants.get(p.key ?? '') ?? new Set<string>();
    seen.add(p.variant ?? '');
    variants.set(p.key ?? '', seen);
  }
  for (const [key, seen] of variants) assert.equal(seen.size, 1, `key ${key} stayed in one variant across the restart: ${[...seen]}`);
  const treatment = [...variants.values()].filter((seen) => seen.has('treatment')).length;
  t.diagnostic(`by header ${byHeader.length}; keys ${variants.size}, in treatment ${treatment}`);
  assert.ok(treatment > variants.size * 0.35 && treatment < variants.size * 0.65, `about half the keys in treatment: ${treatment} of ${variants.size}`);
});

test('a model that misses its deadline is answered by the fallback, and its circuit opens after the error budget; nothing is lost', async (t) => {
  const { input, output, dlq } = await scenarioTopics(t, 'flow-deadline', 3);
  const repository = await flowRepository(t);
  const events = goldenEvents(3000);
  await produceEvents(input, jsonMessages(events));
  const groupId = uniqueName('flow-deadline-group');
  const scorer = await startScorer({
    ...flowScorer({
      groupId,
      repository,
      input,
      output,
      dlq,
      flows: [
        {
          name: 'slow',
          inputs: [{ topic: input, format: 'json' }],
          // 0.2 ms per event: any batch of more than 10 events misses a 2 ms deadline.
          models: ['slow'],
          fallback: { score: 0.1, label: 'fallback', deadlineMs: 2, circuit: { errorRate: 0.5, minBatches: 3, windowMs: 60_000, openMs: 60_000 } },
        },
      ],
    }),
    models: { repository, serve: [{ name: 'slow' }] },
    batching: { maxBatchSize: 64, maxDelayMs: 5 },
  });
  t.after(() => stopScorer(scorer, 'SIGKILL', 5000));
  await scorer.waitReady();
  const out = predictions(await collect(output, (all) => all.length >= events.length, 120_000));
  const metrics = await scorer.metrics();
  assert.equal((await stopScorer(scorer, 'SIGTERM', 30_000)).code, 0);

  const reasons = new Map<string, number>();
  for (const p of out) reasons.set(String(p.fallback_reason), (reasons.get(String(p.fallback_reason)) ?? 0) + 1);
  t.diagnostic(`fallback reasons: ${JSON.stringify([...reasons])}`);
  assert.equal(new Set(out.map((p) => id(p.source_partition, p.source_offset))).size, events.length, 'every input has its prediction');
  assert.ok((reasons.get('deadline') ?? 0) > 0, 'batches past the deadline were answered by the fallback');
  assert.ok((reasons.get('circuit-open') ?? 0) > 0, 'after the error budget, the circuit opened and the model was skipped');
  for (const p of out.filter((p) => p.fallback)) assert.deepEqual([p.score, p.label, p.model_name], [0.1, 'fallback', 'slow']);
  assert.match(metrics, /scorer_circuit_state\{flow="slow",model="slow:1"\} 1/);
  assert.match(metrics, /scorer_circuit_transitions_total\{flow="slow",model="slow:1",to="open"\} 1/);
  assert.match(scorer.logs(), /"msg":"a model's circuit opened: the flow's fallback answers for it"/);
});
