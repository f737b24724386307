/**
 * 20,000 events over 6 partitions, Avro in and out through the registry, then JSON in and out: exactly
 * one prediction per input offset, no gaps, every score equal to the model's golden output, per-key
 * order kept, and the group's committed offsets at the end of the input.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CLIENTS } from '../support/clients.ts';
import { collect, committedOffsets, createTopics, deleteTopics, endOffsets, uniqueName } from '../support/kafka.ts';
import { realRegistry } from '../support/registry.ts';
import {
  avroMessages,
  decodePredictions,
  FRAUD_GOLDEN,
  goldenEvents,
  jsonMessages,
  type Prediction,
  produceEvents,
  registerPaymentSchema,
  scorerConfig,
  sourceId,
  type TestEvent,
} from '../support/scenario.ts';
import { startScorer, stopScorer } from '../support/scorer-process.ts';

const EVENTS = 20_000;
const PARTITIONS = 6;

for (const client of CLIENTS) {
  for (const format of ['avro', 'json'] as const) {
    test(`[${client}] ${format}: ${EVENTS} events over ${PARTITIONS} partitions give exactly one golden prediction each`, async (t) => {
      const input = uniqueName(`e2e-${format}-in`);
      const output = uniqueName(`e2e-${format}-out`);
      const dlq = `${output}.dlq`;
      const groupId = uniqueName('e2e-group');
      await createTopics([
        { topic: input, partitions: PARTITIONS },
        { topic: output, partitions: PARTITIONS },
        { topic: dlq, partitions: 1 },
      ]);
      t.after(() => deleteTopics([input, output, dlq]));
      const reg = await realRegistry();

      const events = goldenEvents(EVENTS);
      const messages = format === 'avro' ? await avroMessages(reg.registry, await registerPaymentSchema(reg.registry, input), events) : jsonMessages(events);
      await produceEvents(input, messages);

      const scorer = await startScorer(
        scorerConfig({ client, groupId, registryUrl: reg.url, inputs: [{ topic: input, format }], output, outputFormat: format, deadLetter: dlq }),
      );
      t.after(() => stopScorer(scorer, 'SIGKILL', 5000));
      await scorer.waitReady();
      const collected = await collect(output, (all) => all.length >= EVENTS, 180_000);
      const { code } = await stopScorer(scorer, 'SIGTERM', 35_000);
      assert.equal(code, 0, `scorer exit code; logs:\n${scorer.logs().slice(-3000)}`);

      const predictions = await decodePredictions(collected, format === 'avro' ? reg.registry : undefined);
      await assertOnePredictionPerInput(input, predictions, events);
      assertPerKeyOrder(predictions);
      assert.deepEqual(await committedOffsets(groupId, input), await endOffsets(input), 'committed offsets reach the end of every partition');
      const dead = await collect(dlq, () => false, 1500);
      assert.equal(dead.length, 0, 'no dead letters for good input');
    });
  }
}

/** Maps each input (partition, offset) back to the event produced there, via the key-hash placement. */
async function assertOnePredictionPerInput(input: string, predictions: readonly Prediction[], events: readonly TestEvent[]) {
  const inputs = await collect(input, (all) => all.length >= events.length, 60_000);
  assert.equal(inputs.length, events.length);
  const eventAt = new Map<string, TestEvent>();
  const byEventId = new Map(events.map((e) => [e.event.event_id as string, e]));
  for (const rec of inputs) {
    const value = rec.value as Buffer;
    // The event id is a plain string in both encodings; find it without decoding.
    const match = /evt-\d+/.exec(value.toString('latin1'));
    assert.ok(match, 'input record carries its event id');
    eventAt.set(sourceId(rec.partition, rec.offset), byEventId.get(match[0]) as TestEvent);
  }
  const seen = new Set<string>();
  for (const p of predictions) {
    const id = sourceId(p.source_partition, p.source_offset);
    assert.ok(!seen.has(id), `duplicate prediction for ${id}`);
    seen.add(id);
    assert.equal(p.source_topic, input);
    assert.equal(p.model_name, 'fraud');
    assert.equal(p.model_version, 1);
    const event = eventAt.get(id);
    assert.ok(event, `prediction for an offset that was never produced: ${id}`);
    assert.equal(p.key, event.key, 'prediction keyed by the input key');
    assert.ok(Math.abs(p.score - event.golden.score) <= FRAUD_GOLDEN.tolerance, `score ${p.score} vs golden ${event.golden.score} at ${id}`);
    assert.equal(p.label, event.golden.label);
  }
  assert.equal(seen.size, events.length, 'one prediction per input offset, no gaps');
}

/** For each key, predictions appear in the order of their source offsets. */
function assertPerKeyOrder(predictions: readonly Prediction[]) {
  const sorted = [...predictions].sort((a, b) => a.outPartition - b.outPartition || a.outOffset - b.outOffset);
  const last = new Map<string, number>();
  for (const p of sorted) {
    const key = p.key ?? '';
    const prev = last.get(key);
    assert.ok(prev === undefined || p.source_offset > prev, `key ${key}: offset ${p.source_offset} after ${prev}`);
    last.set(key, p.source_offset);
  }
}
