/**
 * Two members of one group under load: a second replica joins mid-stream, then the first leaves on
 * SIGTERM while events keep arriving. Nothing is lost, both exit cleanly, the joiner really took
 * partitions, duplicates stay within the in-flight budget, and the group ends committed at the end of
 * the input. Duplicates are counted, not required to be zero: scale-out.test.ts asserts zero for the
 * cooperative client; here both clients run the same case.
 * And a replica the group gives no partition is ready all the same.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CLIENTS } from '../support/clients.ts';
import { collect, committedOffsets, endOffsets, uniqueName } from '../support/kafka.ts';
import { decodePredictions, goldenEvents, jsonMessages, produceEvents, scenarioTopics, scorerConfig, sourceId, uniqueSources } from '../support/scenario.ts';
import { startScorer, stopScorer } from '../support/scorer-process.ts';

const EVENTS = 24_000;
const PARTITIONS = 6;
const GLOBAL_BUDGET = 3000;

for (const client of CLIENTS) {
  test(`[${client}] a member joining and one leaving under load lose nothing`, async (t) => {
    const { input, output, dlq } = await scenarioTopics(t, 'rebalance', PARTITIONS);
    const messages = jsonMessages(goldenEvents(EVENTS));
    await produceEvents(input, messages.slice(0, EVENTS / 2));
    const groupId = uniqueName('rebalance-group');
    const config = scorerConfig({
      client,
      groupId,
      inputs: [{ topic: input, format: 'json' }],
      output,
      outputFormat: 'json',
      deadLetter: dlq,
      extra: {
        // Slow enough that both rebalances land mid-stream.
        inference: { injectDelayMs: 5 },
        batching: { maxBatchSize: 256, maxDelayMs: 2 },
        backpressure: { globalBudget: GLOBAL_BUDGET, partitionBudget: 1000 },
      },
    });
    const first = await startScorer(config);
    t.after(() => stopScorer(first, 'SIGKILL', 5000));
    await first.waitReady();
    await collect(output, (all) => all.length >= 3000, 120_000);

    // The rest arrives while the group changes: load does not stop for a rebalance.
    const producing = produceEvents(input, messages.slice(EVENTS / 2));
    const second = await startScorer(config);
    t.after(() => stopScorer(second, 'SIGKILL', 5000));
    await second.waitReady();
    const beforeLeave = (await collect(output, (all) => all.length >= EVENTS / 2, 120_000)).length;
    const firstExit = await stopScorer(first, 'SIGTERM', 30_000);
    assert.equal(firstExit.code, 0, `the leaving member exits cleanly; logs:\n${first.logs().slice(-2000)}`);
    await producing;

    const collected = await collect(output, (all) => uniqueSources(all) >= EVENTS, 180_000);
    const secondExit = await stopScorer(second, 'SIGTERM', 30_000);
    assert.equal(secondExit.code, 0, `the remaining member exits cleanly; logs:\n${second.logs().slice(-2000)}`);

    const predictions = await decodePredictions(collected);
    const ids = new Set(predictions.map((p) => sourceId(p.source_partition, p.source_offset)));
    assert.equal(ids.size, EVENTS, 'every input offset has a prediction');
    const duplicates = predictions.length - ids.size;
    t.diagnostic(`predictions before the leave: ${beforeLeave}; duplicates over two rebalances: ${duplicates} (budget ${GLOBAL_BUDGET} each)`);
    assert.ok(duplicates <= 2 * (GLOBAL_BUDGET + PARTITIONS), `duplicates ${duplicates} within the in-flight budget per rebalance`);
    const errors = `${first.logs()}\n${second.logs()}`.split('\n').filter((line) => /"level":"(error|fatal)"/.test(line));
    assert.deepEqual(errors, [], 'a routine rebalance logs no errors (alerts on errors must not fire on every scale event)');
    assert.match(second.logs(), /"partitions":\["[^"]+\[\d+\]".*"msg":"partitions assigned"/, 'the joiner took partitions');
    const membership = (logs: string) =>
      logs
        .split('\n')
        .filter((line) => /joined|assigned|revoked|rebalanc|commit/.test(line))
        .join('\n');
    assert.deepEqual(
      await committedOffsets(groupId, input),
      await endOffsets(input),
      `committed to the end; the group's moves, first member:\n${membership(first.logs())}\nsecond member:\n${membership(second.logs())}`,
    );
  });

  test(`[${client}] a replica given no partition (more replicas than partitions) is ready`, async (t) => {
    const { input, output, dlq } = await scenarioTopics(t, 'idle-replica', 1);
    const config = scorerConfig({
      client,
      groupId: uniqueName('idle-group'),
      inputs: [{ topic: input, format: 'json' }],
      output,
      outputFormat: 'json',
      deadLetter: dlq,
    });
    const replicas = [await startScorer(config), await startScorer(config)];
    for (const r of replicas) t.after(() => stopScorer(r, 'SIGKILL', 5000));
    // waitReady fails unless /readyz answers 200: the one without a partition too.
    await Promise.all(replicas.map((r) => r.waitReady()));
    const owners = replicas.filter((r) => /"partitions":\["[^"]+\[0\]"\].*"msg":"partitions assigned"/.test(r.logs()));
    assert.ok(owners.length >= 1, 'one of them owns the partition');
    for (const r of replicas) assert.equal((await stopScorer(r, 'SIGTERM', 30_000)).code, 0);
  });
}
