/**
 * The benchmark's subjects as the suite runs them (bench/subject.ts): the pass-through on each client of
 * the product's Kafka interface, the naive scorer, and the scorer itself on each client. Each drains
 * 3,000 Avro events from 6 partitions into exactly one prediction per input offset, in the product's
 * prediction format, commits the whole input and exits 0 on SIGTERM; its memory and CPU are readable
 * while it runs; the scorer's /metrics count its predictions. The naive scorer's and the scorer's
 * scores are the model's. Also a smoke test of the inference ceiling (no timing thresholds).
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { measureInferenceCeiling } from '../../bench/inference-ceiling.ts';
import { type SubjectKind, type SubjectOptions, startSubject } from '../../bench/subject.ts';
import { firstPredictionMs } from '../../devtools/first-prediction.ts';
import { BROKERS, collect, committedOffsets, createTopics, deleteTopics, endOffsets, uniqueName } from '../support/kafka.ts';
import { realRegistry, type TestRegistry } from '../support/registry.ts';
import {
  avroMessages,
  decodePredictions,
  FRAUD_GOLDEN,
  type GoldenRow,
  goldenEvents,
  produceEvents,
  registerPaymentSchema,
  sourceId,
} from '../support/scenario.ts';

const EVENTS = 3000;
const PARTITIONS = 6;

interface InputRecord {
  readonly key: string;
  readonly golden: GoldenRow;
}

let reg: TestRegistry;
let input: string;
/** The input as it landed, by "partition:offset". */
const inputs = new Map<string, InputRecord>();
let producedFrom = 0;
let producedTo = 0;

before(async () => {
  reg = await realRegistry();
  input = uniqueName('bench-subjects-in');
  await createTopics([{ topic: input, partitions: PARTITIONS }]);
  const events = goldenEvents(EVENTS);
  const messages = await avroMessages(reg.registry, await registerPaymentSchema(reg.registry, input), events);
  producedFrom = Date.now();
  await produceEvents(input, messages);
  producedTo = Date.now();
  const byEventId = new Map(events.map((e) => [e.event.event_id as string, e]));
  for (const record of await collect(input, (all) => all.length >= EVENTS, 30_000)) {
    // The event id is a plain string inside the Avro body; find it without decoding.
    const eventId = /evt-\d+/.exec((record.value as Buffer).toString('latin1'))?.[0] ?? '';
    const event = byEventId.get(eventId);
    assert.ok(event, `input ${record.partition}:${record.offset} carries a known event id`);
    inputs.set(sourceId(record.partition, record.offset), { key: event.key, golden: event.golden });
  }
  assert.equal(inputs.size, EVENTS);
});

after(async () => {
  await deleteTopics([input]);
});

interface Case {
  readonly name: string;
  readonly kind: SubjectKind;
  readonly client?: SubjectOptions['client'];
  /** Scores are the model's (else 0 with no label: the pass-through). */
  readonly scored: boolean;
}

const CASES: readonly Case[] = [
  { name: 'pass-through (kafkajs)', kind: 'passthrough', client: 'kafkajs', scored: false },
  { name: 'pass-through (platformatic)', kind: 'passthrough', client: 'platformatic', scored: false },
  { name: 'naive scorer', kind: 'naive', scored: true },
  { name: 'W1 scorer (kafkajs)', kind: 'scorer', client: 'kafkajs', scored: true },
  { name: 'W1 scorer (platformatic)', kind: 'scorer', client: 'platformatic', scored: true },
];

for (const { name, kind, client, scored } of CASES) {
  test(`${name}: one prediction per input offset, whole input committed, exit 0 on SIGTERM`, async (t) => {
    const slug = `${kind}-${client ?? 'own'}`;
    const output = uniqueName(`bench-${slug}-out`);
    const group = uniqueName(`bench-${slug}`);
    await createTopics([{ topic: output, partitions: PARTITIONS }]);
    t.after(() => deleteTopics([output]));

    const subject = await startSubject(kind, {
      brokers: BROKERS,
      registryUrl: reg.url,
      inputTopic: input,
      outputTopic: output,
      group,
      model: 'fraud',
      threads: 1,
      ...(client === undefined ? {} : { client }),
    });
    t.after(() => subject.stop());
    assert.ok((subject.rssMiB() ?? 0) > 0, 'resident memory is readable while the subject runs');
    const collected = await collect(output, (all) => all.length >= EVENTS, 30_000);
    // Starting node and loading the product's modules alone takes more than one 10 ms tick.
    assert.ok((subject.cpuTicks() ?? 0) > 0, 'CPU time is readable while the subject runs');
    // The scale-out stage reads a replica's first prediction from its /metrics; the baselines serve none.
    if (kind === 'scorer') {
      assert.ok(subject.metrics, 'the scorer subject exposes its /metrics');
      assert.notEqual(await firstPredictionMs(subject.metrics, Date.now(), 5000), null, 'its /metrics count the predictions it produced');
    } else {
      assert.equal(subject.metrics, undefined);
    }
    await subject.stop();
    const status = await subject.exited;
    assert.deepEqual(status, { code: 0, signal: null }, `exit status; logs:\n${subject.logs().slice(-3000)}`);
    assert.equal(subject.rssMiB(), undefined, 'no memory reading once the process is gone');
    assert.equal(subject.cpuTicks(), undefined, 'no CPU reading once the process is gone');

    const predictions = await decodePredictions(collected, reg.registry);
    assert.equal(predictions.length, EVENTS, 'as many predictions as input records');
    const seen = new Set<string>();
    for (const p of predictions) {
      const id = sourceId(p.source_partition, p.source_offset);
      const source = inputs.get(id);
      assert.ok(source, `prediction for ${id} matches an input record`);
      assert.ok(!seen.has(id), `one prediction for ${id}`);
      seen.add(id);
      assert.equal(p.source_topic, input);
      assert.equal(p.key, source.key, `prediction for ${id} keeps the input key`);
      assert.equal(p.model_name, 'fraud');
      assert.equal(p.model_version, 1);
      // The input record's timestamp (set when produced), not the event's own event_time field.
      assert.ok(p.event_timestamp >= producedFrom - 1000 && p.event_timestamp <= producedTo + 1000, `event_timestamp ${p.event_timestamp} of ${id}`);
      assert.ok(p.scored_at >= p.event_timestamp, `scored_at after event_timestamp for ${id}`);
      if (scored) {
        assert.ok(p.score >= 0 && p.score <= 1, `score ${p.score} of ${id} is a probability`);
        assert.ok(
          Math.abs(p.score - source.golden.score) <= Math.max(FRAUD_GOLDEN.tolerance, 1e-4),
          `score ${p.score} of ${id}, golden ${source.golden.score}`,
        );
        assert.equal(p.label, source.golden.label);
      } else {
        assert.equal(p.score, 0);
        assert.equal(p.label, null);
      }
    }
    assert.deepEqual(await committedOffsets(group, input), await endOffsets(input), 'committed offsets reach the end of every partition');
  });
}

test('inference ceiling: a result per batch size from raw onnxruntime on fraud', async () => {
  const ceiling = await measureInferenceCeiling({ model: 'fraud', threads: 1, batchSizes: [64], durationMs: 300 });
  assert.equal(ceiling.model, 'fraud');
  assert.equal(ceiling.threads, 1);
  assert.deepEqual(
    ceiling.results.map((r) => r.batchSize),
    [64],
  );
  for (const r of ceiling.results) {
    assert.ok(r.rowsPerSec > 0, `rows/s at batch ${r.batchSize}`);
    assert.ok(r.msPerBatch > 0, `ms per batch at ${r.batchSize}`);
  }
  assert.equal(ceiling.best.batchSize, 64);
});
