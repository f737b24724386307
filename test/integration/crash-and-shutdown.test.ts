/**
 * kill -9 mid-stream, then a restart: every input gets a prediction and the duplicates stay within the
 * budget. SIGTERM mid-stream: a clean exit within the deadline, commits that match exactly what was
 * produced, and a restart that adds no duplicates.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ClientName } from '../../src/kafka/client.ts';
import { CLIENTS } from '../support/clients.ts';
import { collect, committedOffsets, uniqueName } from '../support/kafka.ts';
import { decodePredictions, goldenEvents, jsonMessages, produceEvents, scenarioTopics, scorerConfig, sourceId, uniqueSources } from '../support/scenario.ts';
import { startScorer, stopScorer } from '../support/scorer-process.ts';

const EVENTS = 20_000;
const PARTITIONS = 6;
const GLOBAL_BUDGET = 3000;
/** Slows each batch so the stream is surely mid-way when the signal lands. */
const SLOW = {
  inference: { injectDelayMs: 4 },
  batching: { maxBatchSize: 256, maxDelayMs: 2 },
  backpressure: { globalBudget: GLOBAL_BUDGET, partitionBudget: 1000 },
  shutdown: { deadlineMs: 15_000 },
};

async function setup(t: { after(fn: () => unknown): void }, client: ClientName, name: string) {
  const { input, output, dlq } = await scenarioTopics(t, name, PARTITIONS);
  await produceEvents(input, jsonMessages(goldenEvents(EVENTS)));
  const config = scorerConfig({
    client,
    groupId: uniqueName(`${name}-group`),
    inputs: [{ topic: input, format: 'json' }],
    output,
    outputFormat: 'json',
    deadLetter: dlq,
    extra: SLOW,
  });
  // After kill -9 the group waits out the dead member's session before it rebalances: keep it short
  // (the broker's minimum) so the test does not sit idle for the default 30 s.
  config.kafka = { ...(config.kafka as object), consumer: { sessionTimeoutMs: 6000, heartbeatIntervalMs: 1000 } };
  return { input, output, config, groupId: (config.kafka as { groupId: string }).groupId };
}

async function runUntil(t: { after(fn: () => unknown): void }, config: Record<string, unknown>, output: string, predictions: number) {
  const scorer = await startScorer(config);
  t.after(() => stopScorer(scorer, 'SIGKILL', 5000));
  await scorer.waitReady();
  await collect(output, (all) => all.length >= predictions, 120_000);
  return scorer;
}

/** Exactly [0, committed) was produced on every partition: nothing acknowledged is uncommitted, nothing committed is missing. */
async function assertCommittedIsProduced(groupId: string, input: string, output: string): Promise<number> {
  const produced = await decodePredictions(await collect(output, () => false, 3000));
  const committed = await committedOffsets(groupId, input);
  for (let p = 0; p < PARTITIONS; p++) {
    const offsets = produced
      .filter((x) => x.source_partition === p)
      .map((x) => x.source_offset)
      .sort((a, b) => a - b);
    const upTo = committed.get(p) ?? -1;
    assert.deepEqual(
      offsets,
      Array.from({ length: Math.max(0, upTo) }, (_, i) => i),
      `partition ${p}: produced offsets equal [0, ${upTo})`,
    );
  }
  return produced.length;
}

for (const client of CLIENTS) {
  test(`[${client}] kill -9 mid-stream loses nothing and duplicates stay within the budget`, async (t) => {
    const { output, config } = await setup(t, client, 'crash');
    config.inference = { injectDelayMs: 20 };
    const first = await runUntil(t, config, output, 5000);
    first.child.kill('SIGKILL');
    await first.exited;
    const beforeRestart = (await collect(output, () => false, 2000)).length;
    assert.ok(beforeRestart < EVENTS, `the kill landed mid-stream (${beforeRestart} of ${EVENTS} predicted)`);

    const second = await startScorer(config);
    t.after(() => stopScorer(second, 'SIGKILL', 5000));
    await second.waitReady();
    const collected = await collect(output, (all) => uniqueSources(all) >= EVENTS, 180_000);
    await stopScorer(second, 'SIGTERM', 20_000);

    const predictions = await decodePredictions(collected);
    const ids = new Set(predictions.map((p) => sourceId(p.source_partition, p.source_offset)));
    assert.equal(ids.size, EVENTS, 'every input offset has a prediction');
    const duplicates = predictions.length - ids.size;
    t.diagnostic(`duplicates after kill -9: ${duplicates} (budget ${GLOBAL_BUDGET})`);
    // What a crash replays is the uncommitted window, which admission bounds by the budget (+1 record per
    // partition: at least one record is admitted per fetched batch).
    assert.ok(duplicates <= GLOBAL_BUDGET + PARTITIONS, `duplicates ${duplicates} exceed the in-flight budget ${GLOBAL_BUDGET}`);
  });

  test(`[${client}] SIGTERM mid-stream exits within the deadline, commits what was produced, restart adds no duplicates`, async (t) => {
    const { input, output, config, groupId } = await setup(t, client, 'sigterm');
    const first = await runUntil(t, config, output, 4000);
    const started = Date.now();
    const { code } = await stopScorer(first, 'SIGTERM', 16_000);
    t.diagnostic(`SIGTERM to exit: ${Date.now() - started} ms`);
    assert.equal(code, 0, `clean exit; logs:\n${first.logs().slice(-2000)}`);

    const afterStop = await assertCommittedIsProduced(groupId, input, output);
    assert.ok(afterStop < EVENTS, 'the signal landed mid-stream');

    const second = await startScorer(config);
    t.after(() => stopScorer(second, 'SIGKILL', 5000));
    await second.waitReady();
    const all = await decodePredictions(await collect(output, (c) => c.length >= EVENTS, 180_000));
    await stopScorer(second, 'SIGTERM', 20_000);
    const ids = new Set(all.map((x) => sourceId(x.source_partition, x.source_offset)));
    assert.equal(ids.size, EVENTS, 'every input scored');
    assert.equal(all.length, EVENTS, 'no duplicates across a graceful restart');
  });

  test(`[${client}] SIGTERM under overload stops admitting at once, finishes only what the workers hold, and exits 0 in time`, async (t) => {
    const { input, output, config, groupId } = await setup(t, client, 'overload');
    // About 640 events/s of capacity against a 20,000-event backlog and the default budget: draining
    // everything admitted would take half a minute, far past the deadline.
    config.inference = { injectDelayMs: 100 };
    config.backpressure = { globalBudget: 20_000, partitionBudget: 5000 };
    config.shutdown = { deadlineMs: 10_000 };
    const first = await runUntil(t, config, output, 500);
    const started = Date.now();
    const { code } = await stopScorer(first, 'SIGTERM', 12_000);
    const elapsed = Date.now() - started;
    t.diagnostic(`SIGTERM to exit under overload: ${elapsed} ms`);
    assert.equal(code, 0, `clean exit within the deadline; logs:\n${first.logs().slice(-2000)}`);
    assert.ok(elapsed < 10_000, `exited within the 10 s deadline (${elapsed} ms)`);
    assert.doesNotMatch(first.logs(), /producer is disconnected|unhandled rejection/i);
    const produced = await assertCommittedIsProduced(groupId, input, output);
    assert.ok(produced < EVENTS, 'the signal landed mid-stream');
  });
}
