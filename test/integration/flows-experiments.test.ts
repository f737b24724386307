/**
 * Shadow and canary on a real broker (issue 10, part 6).
 *
 * Shadow: the same events are scored by one flow without a shadow, then with fraud@2 shadowing fraud@1:
 * with no pressure every primary prediction has its shadow record on the shadow topic, the primary
 * records are what they were without it, the divergence is exported, and the primary latency of both
 * runs is reported. Then a burst into a slowed worker: shadow work is shed and counted, every record
 * still has its primary prediction.
 *
 * Canary: 30% of fraud@1's records go to a version that fails on every batch; the canary is rolled back
 * once its error rate breaches the bound, the log and the metrics say so, no record is routed to it
 * afterwards, and every input offset has a prediction or a dead letter. Its input is Avro through the
 * real schema registry, so start-up checks the canary's key field against the latest schema there.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Message } from 'kafkajs';
import { DLQ_HEADERS } from '../../src/delivery/dead-letter.ts';
import { flowRepository } from '../support/flow-repository.ts';
import { type Collected, collect, committedOffsets, createTopics, deleteTopics, endOffsets, testKafka, uniqueName } from '../support/kafka.ts';
import { realRegistry } from '../support/registry.ts';
import { avroMessages, goldenEvents, produceEvents, registerPaymentSchema, scenarioTopics, scorerConfig } from '../support/scenario.ts';
import { type ScorerHandle, startScorer, stopScorer } from '../support/scorer-process.ts';

interface FlowPrediction {
  readonly score: number;
  readonly label: string | null;
  readonly model_name: string;
  readonly model_version: number;
  readonly source_partition: number;
  readonly source_offset: number;
  readonly event_timestamp: number;
  readonly flow: string | null;
  readonly experiment: string | null;
  readonly variant: string | null;
  readonly fallback: boolean;
  readonly chained: readonly unknown[];
  readonly attributes: Readonly<Record<string, string>>;
  readonly key: string | null;
}

const parse = (c: Collected): FlowPrediction => ({ ...JSON.parse((c.value as Buffer).toString('utf8')), key: c.key?.toString() ?? null });
const source = (partition: number | string, offset: number | string) => `${partition}:${offset}`;
const sourceOf = (p: FlowPrediction) => source(p.source_partition, p.source_offset);

function flowConfig(o: {
  groupId: string;
  repository: string;
  output: string;
  dlq: string;
  flow: Record<string, unknown>;
  injectDelayMs?: number;
  /** For Avro inputs; the output stays JSON. */
  registryUrl?: string;
}) {
  const base = scorerConfig({
    groupId: o.groupId,
    inputs: [],
    output: o.output,
    outputFormat: 'json',
    deadLetter: o.dlq,
    ...(o.registryUrl === undefined ? {} : { registryUrl: o.registryUrl }),
  });
  return {
    ...base,
    models: { repository: o.repository, serve: [{ name: 'fraud', version: 1 }, { name: 'fraud', version: 2 }, { name: 'broken' }] },
    flows: [o.flow],
    batching: { maxBatchSize: 64, maxDelayMs: 2 },
    inference: { threads: 1, injectDelayMs: o.injectDelayMs ?? 0 },
  };
}

/** Produces `messages` a few at a time, so the scorer never has a backlog. */
async function trickle(topic: string, messages: readonly Message[], every = 5, pauseMs = 40): Promise<void> {
  const producer = testKafka().producer({ allowAutoTopicCreation: false, idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  try {
    for (let i = 0; i < messages.length; i += every) {
      await producer.send({ topic, acks: -1, messages: messages.slice(i, i + every) });
      await new Promise((resolve) => setTimeout(resolve, pauseMs));
    }
  } finally {
    await producer.disconnect();
  }
}

/** Collects `topics` while `produce` runs, stamping each record with when it arrived. */
async function collectTimed(topics: readonly string[], produce: () => Promise<void>, until: (all: readonly Collected[]) => boolean, timeoutMs = 120_000) {
  const arrivals: number[] = [];
  const collecting = collect(
    topics,
    (all) => {
      while (arrivals.length < all.length) arrivals.push(Date.now());
      return until(all);
    },
    timeoutMs,
  );
  await produce();
  const all = await collecting;
  return all.map((c, i) => ({ c, arrivedAt: arrivals[i] ?? Date.now() }));
}

const quantile = (values: readonly number[], q: number) =>
  [...values].sort((a, b) => a - b)[Math.min(values.length - 1, Math.floor(q * values.length))] ?? Number.NaN;

function metric(text: string, name: string, labels: string): number {
  const line = text.split('\n').find((l) => l.startsWith(`${name}{${labels}} `));
  return line === undefined ? 0 : Number(line.slice(line.lastIndexOf(' ') + 1));
}

async function stopped(scorer: ScorerHandle): Promise<void> {
  assert.equal((await stopScorer(scorer, 'SIGTERM', 30_000)).code, 0, scorer.logs().slice(-3000));
}

test('a shadow candidate answers every primary prediction on its own topic, changes nothing of the primary output, and is shed under pressure', async (t) => {
  const { input, output, dlq } = await scenarioTopics(t, 'shadow', 3);
  const side = uniqueName('shadow-side');
  await createTopics([{ topic: side, partitions: 3 }]);
  t.after(() => deleteTopics([side]));
  const repository = await flowRepository(t);
  const groupId = uniqueName('shadow-group');
  const name = 'shadowed';
  const plain = { name, inputs: [{ topic: input, format: 'json' }], models: ['fraud@1'] };
  const shadowed = { ...plain, shadow: [{ of: 'fraud@1', candidate: 'fraud@2', topic: side }] };
  const config = (flow: Record<string, unknown>, injectDelayMs?: number) =>
    flowConfig({ groupId, repository, output, dlq, flow, ...(injectDelayMs === undefined ? {} : { injectDelayMs }) });
  const n = 150;
  const messages = goldenEvents(n).map(({ key, event }) => ({ key, value: JSON.stringify(event) }));
  const onOutput = (all: readonly Collected[]) => all.filter((c) => c.topic === output);

  // Without a shadow.
  let scorer = await startScorer(config(plain));
  t.after(() => stopScorer(scorer, 'SIGKILL', 5000));
  await scorer.waitReady();
  const before = await collectTimed(
    [output],
    () => trickle(input, messages),
    (all) => all.length >= n,
  );
  await stopped(scorer);

  // With one, on the same events.
  scorer = await startScorer(config(shadowed));
  await scorer.waitReady();
  const after = await collectTimed(
    [output, side],
    () => trickle(input, messages),
    (all) => onOutput(all).length >= 2 * n && all.length - onOutput(all).length >= n,
    60_000,
  );
  const metrics = await scorer.metrics();
  await stopped(scorer);

  const primaryBefore = before.map(({ c, arrivedAt }) => ({ p: parse(c), arrivedAt }));
  const firstRun = new Set(primaryBefore.map(({ p }) => sourceOf(p)));
  const primaryAfter = after.filter(({ c }) => c.topic === output && !firstRun.has(sourceOf(parse(c)))).map(({ c, arrivedAt }) => ({ p: parse(c), arrivedAt }));
  const shadows = after.filter(({ c }) => c.topic === side).map(({ c }) => parse(c));
  assert.equal(primaryAfter.length, n);

  const content = (p: FlowPrediction) => {
    const { source_partition: _p, source_offset: _o, event_timestamp: _t, ...rest } = p as FlowPrediction & { scored_at?: number };
    return JSON.stringify({ ...rest, scored_at: undefined });
  };
  const byKey = new Map(primaryBefore.map(({ p }) => [p.key, content(p)]));
  for (const { p } of primaryAfter) assert.equal(content(p), byKey.get(p.key), `key ${p.key}: the primary prediction is what it was without the shadow`);

  const shadowBySource = new Map(shadows.map((s) => [sourceOf(s), s]));
  assert.equal(shadows.length, n, 'no pressure: nothing shed');
  for (const { p } of primaryAfter) {
    const s = shadowBySource.get(sourceOf(p));
    assert.ok(s, `primary ${sourceOf(p)} has its shadow record`);
    assert.deepEqual(
      [s.model_name, s.model_version, s.flow, s.experiment, s.variant, s.attributes['shadow_of'], s.key],
      ['fraud', 2, name, `shadow:${name}`, 'shadow', 'fraud:1', p.key],
    );
  }
  const labels = `flow="${name}",primary="fraud:1",candidate="fraud:2"`;
  assert.equal(metric(metrics, 'scorer_shadow_score_diff_count', labels), n);
  assert.equal(metric(metrics, 'scorer_shadow_label_comparisons_total', labels), n);
  assert.equal(metric(metrics, 'scorer_shadow_shed_total', `flow="${name}"`), 0);
  assert.equal(metric(metrics, 'scorer_predictions_produced_total', 'model="shadow/fraud:2"'), n);
  const agreement = metric(metrics, 'scorer_shadow_label_agreements_total', labels) / n;
  const meanDiff = metric(metrics, 'scorer_shadow_score_diff_sum', labels) / n;

  const latency = (rows: readonly { p: FlowPrediction; arrivedAt: number }[]) => rows.map(({ p, arrivedAt }) => arrivedAt - p.event_timestamp);
  const [without, withShadow] = [latency(primaryBefore), latency(primaryAfter)];
  t.diagnostic(
    `primary latency (produce to read, trickled): without shadow p50 ${quantile(without, 0.5)} ms p95 ${quantile(without, 0.95)} ms; ` +
      `with shadow p50 ${quantile(withShadow, 0.5)} ms p95 ${quantile(withShadow, 0.95)} ms; label agreement ${agreement.toFixed(3)}, mean |score diff| ${meanDiff.toFixed(4)}`,
  );
  assert.ok(quantile(withShadow, 0.5) < 2000, 'a generous bound: the shadow does not hold the primary back');

  // A burst into a slowed worker: a backlog from the first batch on, so shadow work is shed.
  const burst = goldenEvents(1500).map(({ key, event }) => ({ key, value: JSON.stringify(event) }));
  await produceEvents(input, burst);
  scorer = await startScorer(config(shadowed, 5));
  await scorer.waitReady();
  const total = 2 * n + burst.length;
  const primary = (await collect(output, (got) => got.length >= total, 120_000)).map(parse);
  const pressured = await scorer.metrics();
  await stopped(scorer);
  assert.equal(new Set(primary.map(sourceOf)).size, total, 'every input offset has its primary prediction');
  const shed = metric(pressured, 'scorer_shadow_shed_total', `flow="${name}"`);
  // Shadow records were acknowledged with their primaries: they are all on the topic by now.
  const shadowsUnderPressure = (await collect(side, (got) => got.length >= n + burst.length - shed, 30_000)).length - n;
  t.diagnostic(`burst of ${burst.length} with injectDelayMs 5: ${shed} shadow scorings shed, ${shadowsUnderPressure} made`);
  assert.ok(shed > 0, 'shadow work was shed under pressure');
  assert.equal(shed + shadowsUnderPressure, burst.length, 'each burst record was shadowed or counted as shed');
  assert.deepEqual(await committedOffsets(groupId, input), await endOffsets(input), 'committed to the end');
});

test('a canary that fails is rolled back: logged and exported, no record goes to it afterwards, and nothing is lost', async (t) => {
  const { input, output, dlq } = await scenarioTopics(t, 'canary', 3);
  const repository = await flowRepository(t);
  const groupId = uniqueName('canary-group');
  const { url, registry } = await realRegistry();
  const schemaId = await registerPaymentSchema(registry, input);
  const name = 'canaried';
  const flow = {
    name,
    inputs: [{ topic: input, format: 'avro' }],
    models: ['fraud@1'],
    canary: { of: 'fraud@1', candidate: 'broken', percent: 30, key: 'account_id', maxErrorRate: 0.05, minRequests: 50, windowMs: 60_000 },
  };
  const scorer = await startScorer(flowConfig({ groupId, repository, output, dlq, flow, registryUrl: url }));
  t.after(() => stopScorer(scorer, 'SIGKILL', 5000));
  await scorer.waitReady();

  const first = await avroMessages(registry, schemaId, goldenEvents(1000, 1000));
  await produceEvents(input, first);
  const firstEnds = await endOffsets(input);
  await collect([output, dlq], (got) => got.length >= first.length, 120_000);
  await waitFor(() => scorer.logs().includes('canary rolled back'), 30_000);
  const second = await avroMessages(registry, schemaId, goldenEvents(1600, 1000).slice(1000));
  await produceEvents(input, second);
  const got = await collect([output, dlq], (all) => all.length >= first.length + second.length, 120_000);
  const metrics = await scorer.metrics();
  await stopped(scorer);

  const predictions = got.filter((c) => c.topic === output).map(parse);
  const dead = new Map(
    got
      .filter((c) => c.topic === dlq)
      .map((c) => [source(String(c.headers[DLQ_HEADERS.partition]), String(c.headers[DLQ_HEADERS.offset])), String(c.headers[DLQ_HEADERS.reason])]),
  );
  const scored = new Set(predictions.map(sourceOf));
  assert.equal(scored.size + dead.size, first.length + second.length, 'every input offset has a prediction or a dead letter');
  for (const id of dead.keys()) assert.ok(!scored.has(id), `${id} has both`);
  assert.ok(dead.size > 0, 'the candidate failed some records before the rollback');
  assert.deepEqual(new Set(dead.values()), new Set(['HOOK_FAILED']), "the candidate's failures, and nothing else");
  for (const p of predictions) assert.deepEqual([p.model_name, p.experiment, p.variant], ['fraud', `canary:${name}`, 'stable']);

  const secondRun = (partition: number, offset: number) => offset >= (firstEnds.get(partition) ?? 0);
  const routedLate = [...dead.keys()].filter((id) => {
    const [partition, offset] = id.split(':').map(Number);
    return secondRun(partition as number, offset as number);
  });
  assert.deepEqual(routedLate, [], 'after the rollback no record is routed to the candidate');
  assert.equal(predictions.filter((p) => secondRun(p.source_partition, p.source_offset)).length, second.length);

  const line = scorer
    .logs()
    .split('\n')
    .find((l) => l.includes('canary rolled back'));
  assert.match(line ?? '', /"level":"warn"/);
  assert.match(line ?? '', /breached canary\.maxErrorRate \(1\.0000 > 0\.05\); every record goes to fraud:1 from now on/);
  assert.match(line ?? '', /"requests":\d+,"errors":\d+/);
  const labels = `flow="${name}",candidate="broken:1"`;
  assert.equal(metric(metrics, 'scorer_canary_state', labels), 0);
  assert.equal(metric(metrics, 'scorer_canary_rollbacks_total', labels), 1);
  t.diagnostic(`candidate failed ${dead.size} records before the rollback; ${second.length} later records all went to fraud:1`);
  assert.deepEqual(await committedOffsets(groupId, input), await endOffsets(input), 'committed to the end');
});

async function waitFor(condition: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`not within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
