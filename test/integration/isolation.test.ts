/**
 * Per-model isolation on a real broker: flow `flood` (a model costing 0.2 ms of CPU per event) is
 * flooded with a backlog while flow `steady` (the fraud model) takes 200 events/s throughout. The
 * steady flow's latency (event timestamp to scored_at) and throughput during the flood stay what they
 * were before it, within the margin below, because the flood holds only its lane's share of the
 * budget (its partitions pause, the steady ones do not) and of the worker slots (a steady batch waits
 * at most for the flood batch running ahead of it).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { flowRepository } from '../support/flow-repository.ts';
import { BROKERS, type Collected, collect, createTopics, deleteTopics, uniqueName } from '../support/kafka.ts';
import { goldenEvents, jsonMessages, produceEvents, scorerConfig } from '../support/scenario.ts';
import { startScorer, stopScorer } from '../support/scorer-process.ts';
import { SteadyLoad } from '../support/steady-load.ts';

const STEADY_RATE = 200;
const WINDOW_MS = 6000;
const FLOOD_EVENTS = 60_000;
/**
 * The stated margin: during the flood, the steady flow's p99 latency may grow by at most this much.
 * Without isolation the flood takes the whole global budget and every partition pauses with it, and
 * the steady p99 grows by seconds (measured: see the README's isolation paragraph).
 */
const P99_MARGIN_MS = 250;

interface Scored {
  readonly flow: string;
  readonly event_timestamp: number;
  readonly scored_at: number;
}

function scored(collected: readonly Collected[]): Scored[] {
  return collected.map((c) => JSON.parse((c.value as Buffer).toString('utf8')) as Scored);
}

function percentile(values: readonly number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

test('a flood for one model leaves the other flow’s latency and throughput as they were', async (t) => {
  const [flood, steady, output] = [uniqueName('iso-flood'), uniqueName('iso-steady'), uniqueName('iso-out')];
  const dlq = `${output}.dlq`;
  await createTopics([flood, steady, output, dlq].map((topic) => ({ topic, partitions: 3 })));
  t.after(() => deleteTopics([flood, steady, output, dlq]));
  const repository = await flowRepository(t);
  const config = {
    ...scorerConfig({ groupId: uniqueName('iso-group'), inputs: [], output, outputFormat: 'json', deadLetter: dlq }),
    models: { repository, serve: [{ name: 'fraud', version: 1 }, { name: 'slow' }] },
    flows: [
      { name: 'flood', inputs: [{ topic: flood, format: 'json' }], models: ['slow'] },
      { name: 'steady', inputs: [{ topic: steady, format: 'json' }], models: ['fraud'] },
    ],
    backpressure: { globalBudget: 10_000, partitionBudget: 5000 },
    batching: { maxBatchSize: 256, maxDelayMs: 2 },
  };
  const scorer = await startScorer(config);
  t.after(() => stopScorer(scorer, 'SIGKILL', 5000));
  await scorer.waitReady();

  const load = new SteadyLoad(BROKERS, steady, STEADY_RATE);
  await load.start();
  const baselineFrom = Date.now() + 1000; // past the first batches' warm-up
  await sleep(1000 + WINDOW_MS);
  const floodFrom = Date.now();
  await produceEvents(flood, jsonMessages(goldenEvents(FLOOD_EVENTS)));
  const floodTo = Math.max(Date.now(), floodFrom + WINDOW_MS);
  await sleep(floodTo - Date.now());
  const sent = await load.stop();
  const all = scored(await collect(output, (c) => scored(c).filter((s) => s.flow === 'steady').length >= sent - Math.ceil(sent / 50), 60_000));
  const metrics = await scorer.metrics();
  assert.equal((await stopScorer(scorer, 'SIGTERM', 30_000)).code, 0);

  const steadyScored = all.filter((s) => s.flow === 'steady');
  const floodScoredBy = (at: number) => all.filter((s) => s.flow === 'flood' && s.scored_at <= at).length;
  const latencies = (from: number, to: number) =>
    steadyScored.filter((s) => s.event_timestamp >= from && s.event_timestamp < to).map((s) => s.scored_at - s.event_timestamp);
  const before = latencies(baselineFrom, baselineFrom + WINDOW_MS);
  const during = latencies(floodFrom, floodTo);
  const p = (xs: number[]) => `p50 ${percentile(xs, 50)} ms, p99 ${percentile(xs, 99)} ms over ${xs.length}`;
  t.diagnostic(
    `steady flow before the flood: ${p(before)}; during it: ${p(during)}; flood scored by the window's end: ${floodScoredBy(floodTo)} of ${FLOOD_EVENTS}`,
  );
  const paused = [...metrics.matchAll(/^scorer_paused_partitions\{reason="([^"]+)"\} (\d+)$/gm)].map((m) => `${m[1]} ${m[2]}`);
  t.diagnostic(`paused partitions at the end, by reason: ${paused.join(', ')}`);

  assert.ok(floodScoredBy(floodTo) < FLOOD_EVENTS, 'the flood outlasted the window: the steady flow was measured under it');
  // Throughput: every steady event of the flood window was scored (poison records, one in 50, go to the DLQ).
  const expected = ((floodTo - floodFrom) / 1000) * STEADY_RATE * (49 / 50);
  assert.ok(during.length >= expected * 0.9, `steady throughput during the flood: ${during.length} scored of about ${Math.round(expected)}`);
  assert.ok(
    percentile(during, 99) <= percentile(before, 99) + P99_MARGIN_MS,
    `steady p99 during the flood (${percentile(during, 99)} ms) within ${P99_MARGIN_MS} ms of before it (${percentile(before, 99)} ms)`,
  );
});
