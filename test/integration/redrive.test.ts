/**
 * `stream-scorer redrive` on a real broker: a DLQ holding records that failed on a broken model version
 * and on a schema id the registry did not know yet (both fixed now), beside malformed bytes that fail
 * again, and records the filter passes over (another reason, another source partition, too old, not a
 * dead letter). The exact counts of the summary are checked against what lands in the topics: the fixed
 * ones scored with their original lineage and bytes, the bad ones back in the DLQ once each with the
 * new reason and their original source headers, nothing read past the end offsets.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { SchemaRegistry } from '@kafkajs/confluent-schema-registry';
import type { Message } from 'kafkajs';
import { DLQ_HEADERS, deadLetterRecord } from '../../src/delivery/dead-letter.ts';
import type { DlqReason } from '../../src/errors.ts';
import { CLIENTS } from '../support/clients.ts';
import { type Collected, collect, createTopics, deleteTopics, endOffsets, produce, uniqueName } from '../support/kafka.ts';
import { runRedrive } from '../support/redrive.ts';
import { realRegistry } from '../support/registry.ts';
import { decodePredictions, FRAUD_GOLDEN, goldenEvents, PAYMENT_SCHEMA, registerPaymentSchema, scorerConfig } from '../support/scenario.ts';

const TEST = { timeout: 180_000 };
/** When the records in the DLQ failed; --since lets these through and the older ones not. */
const FAILED_AT = Date.parse('2026-11-30T12:00:00Z');
const LONG_AGO = Date.parse('2026-01-01T00:00:00Z');

interface Letter {
  readonly reason: DlqReason;
  readonly sourcePartition: number;
  readonly value: Buffer;
  readonly failedAt?: number;
  /** What the redrive must make of it. */
  readonly expect: 'scored' | 'AVRO_DECODE' | 'BAD_MAGIC_BYTE' | 'skip';
}

/** DLQ records as the scorer writes them (the real contract function), from source offsets 1000 + i. */
function deadLetters(source: string, dlq: string, letters: readonly Letter[]): Message[] {
  return letters.map((letter, i) => {
    const original = {
      offset: 1000 + i,
      timestamp: FAILED_AT,
      key: Buffer.from(`k-${i}`),
      value: letter.value,
      headers: [['trace', Buffer.from(`t-${i}`)] as const],
    };
    const record = deadLetterRecord(
      dlq,
      { topic: source, partition: letter.sourcePartition, record: original, model: 'fraud:2' },
      letter.reason,
      'failed',
      letter.failedAt ?? FAILED_AT,
    );
    return { key: record.key, value: record.value, headers: Object.fromEntries(record.headers.map(([k, v]) => [k, v])), partition: i % 2 };
  });
}

async function mixedLetters(registry: SchemaRegistry, source: string): Promise<Letter[]> {
  const schemaId = await registerPaymentSchema(registry, source);
  // A writer schema registered only after its records had failed as UNKNOWN_SCHEMA_ID.
  const late = { ...PAYMENT_SCHEMA, fields: [...(PAYMENT_SCHEMA as { fields: object[] }).fields, { name: 'note', type: 'string', default: '' }] };
  const lateId = await registerPaymentSchema(registry, `${source}-late`, late);
  const events = goldenEvents(60);
  const encode = async (n: number, id: number) => registry.encode(id, (events[n] as { event: object }).event);
  const letters: Letter[] = [];
  for (let n = 0; n < 24; n++) letters.push({ reason: 'INFERENCE_FAILED', sourcePartition: n % 2, value: await encode(n, schemaId), expect: 'scored' });
  for (let n = 24; n < 36; n++) letters.push({ reason: 'UNKNOWN_SCHEMA_ID', sourcePartition: n % 2, value: await encode(n, lateId), expect: 'scored' });
  for (let n = 36; n < 44; n++) {
    const whole = await encode(n, schemaId);
    letters.push({ reason: 'INTERNAL_ERROR', sourcePartition: 0, value: whole.subarray(0, whole.length - 12), expect: 'AVRO_DECODE' });
  }
  for (let n = 0; n < 4; n++) letters.push({ reason: 'INTERNAL_ERROR', sourcePartition: 1, value: Buffer.from(`not avro ${n}`), expect: 'BAD_MAGIC_BYTE' });
  for (let n = 44; n < 50; n++) letters.push({ reason: 'MISSING_FEATURE', sourcePartition: 0, value: await encode(n, schemaId), expect: 'skip' });
  for (let n = 50; n < 55; n++) letters.push({ reason: 'INFERENCE_FAILED', sourcePartition: 2, value: await encode(n, schemaId), expect: 'skip' });
  for (let n = 55; n < 58; n++)
    letters.push({ reason: 'INFERENCE_FAILED', sourcePartition: 1, value: await encode(n, schemaId), failedAt: LONG_AGO, expect: 'skip' });
  return letters;
}

const header = (c: Collected, name: string) => c.headers[name]?.toString();

/** An output and a DLQ of two partitions each, deleted after the test; the source topic is only a name in the DLQ headers. */
async function topics(t: { after(fn: () => unknown): void }, name: string) {
  const output = uniqueName(`${name}-out`);
  const dlq = `${output}.dlq`;
  await createTopics([output, dlq].map((topic) => ({ topic, partitions: 2 })));
  t.after(() => deleteTopics([output, dlq]));
  return { source: uniqueName(`${name}-src`), output, dlq };
}

for (const client of CLIENTS) {
  test(
    `[${client}] redrive: fixed records scored with their lineage, bad ones back in the DLQ with the new reason, the rest skipped by the filter`,
    TEST,
    async (t) => {
      const { source, output, dlq } = await topics(t, 'redrive');
      const reg = await realRegistry();
      const letters = await mixedLetters(reg.registry, source);
      const strangers = [
        { key: 'plain-0', value: 'not a dead letter', partition: 0 },
        { key: 'plain-1', value: 'nor this', partition: 1 },
      ];
      await produce(dlq, [...deadLetters(source, dlq, letters), ...strangers]);
      const before = await endOffsets(dlq);
      const config = scorerConfig({
        client,
        groupId: uniqueName('redrive-group'),
        registryUrl: reg.url,
        inputs: [{ topic: source, format: 'avro' }],
        output,
        outputFormat: 'avro',
        deadLetter: dlq,
        extra: { log: { level: 'warn' }, inference: { threads: 1 } },
      });
      const filter = [
        '--model',
        'fraud@1',
        '--reason',
        'INFERENCE_FAILED,UNKNOWN_SCHEMA_ID',
        '--reason',
        'INTERNAL_ERROR',
        '--partitions',
        '0-1',
        '--since',
        '2026-11-01',
      ];

      const dry = await runRedrive(config, [...filter, '--dry-run']);
      assert.equal(dry.code, 0, dry.stderr);
      assert.match(dry.stdout, /^matched +48 \(dry run: would be redriven\)$/m);
      assert.match(dry.stdout, /^skipped +16 \(reason 6, partition 5, time 3, not-a-dead-letter 2\)$/m);
      assert.deepEqual(await endOffsets(dlq), before, 'a dry run writes nothing');

      const run = await runRedrive(config, filter);
      assert.equal(run.code, 0, run.stderr);
      const lines = run.stdout.trim().split('\n');
      assert.match(lines[0] ?? '', new RegExp(`^redrive of ${dlq} through model fraud@1, started \\d{4}-\\d\\d-\\d\\dT[\\d:.]+Z: finished in [\\d.]+ s$`));
      assert.deepEqual(
        lines.slice(1),
        [
          'read         64',
          'matched      48',
          'scored       36 (36 predictions)',
          'failed again 12 (AVRO_DECODE 8, BAD_MAGIC_BYTE 4)',
          'skipped      16 (reason 6, partition 5, time 3, not-a-dead-letter 2)',
        ],
        run.stdout,
      );

      const predictions = await decodePredictions(await collect(output, (all) => all.length >= 36, 30_000), reg.registry);
      const scored = letters.map((letter, i) => ({ letter, i })).filter(({ letter }) => letter.expect === 'scored');
      assert.equal(predictions.length, scored.length);
      const bySource = new Map(predictions.map((p) => [p.source_offset, p]));
      const golden = goldenEvents(60);
      scored.forEach(({ letter, i }, n) => {
        const p = bySource.get(1000 + i);
        assert.ok(p, `a prediction for source offset ${1000 + i}`);
        assert.deepEqual([p.source_topic, p.source_partition, p.key, p.model_name, p.model_version], [source, letter.sourcePartition, `k-${i}`, 'fraud', 1]);
        // The letters' events are golden rows in order: the score is the one version 1 gives that row.
        assert.ok(Math.abs(p.score - (golden[n]?.golden.score ?? Number.NaN)) <= FRAUD_GOLDEN.tolerance, `score of source offset ${1000 + i}`);
      });

      const after = await collect(dlq, (all) => all.length >= 64 + 12, 30_000);
      assert.equal(after.length, 64 + 12, 'the DLQ holds what it held and the 12 that failed again, read once each');
      const again = after.filter((c) => c.offset >= (before.get(c.partition) ?? 0));
      const failing = letters.map((letter, i) => ({ letter, i })).filter(({ letter }) => letter.expect === 'AVRO_DECODE' || letter.expect === 'BAD_MAGIC_BYTE');
      assert.deepEqual(
        again.map((c) => [header(c, DLQ_HEADERS.offset), header(c, DLQ_HEADERS.reason)]).sort(),
        failing.map(({ letter, i }) => [String(1000 + i), letter.expect]).sort(),
      );
      for (const c of again) {
        const i = Number(header(c, DLQ_HEADERS.offset)) - 1000;
        const letter = letters[i] as Letter;
        assert.equal(header(c, DLQ_HEADERS.topic), source);
        assert.equal(header(c, DLQ_HEADERS.partition), String(letter.sourcePartition));
        assert.equal(header(c, DLQ_HEADERS.model), 'fraud:1', 'the model it was redriven to');
        assert.equal(header(c, 'trace'), `t-${i}`, 'the original headers kept');
        assert.deepEqual(c.value, letter.value, 'the original bytes kept');
        assert.equal(c.key?.toString(), `k-${i}`);
      }
    },
  );
}

for (const client of CLIENTS) {
  test(`[${client}] redrive through a flow at a chosen model version; unknown flows and versions refused by flag`, TEST, async (t) => {
    const { source, output, dlq } = await topics(t, 'redrive-flow');
    const events = goldenEvents(10);
    const letters: Letter[] = [
      ...events.map((e, n) => ({
        reason: 'INFERENCE_FAILED' as const,
        sourcePartition: n % 3,
        value: Buffer.from(JSON.stringify(e.event)),
        expect: 'scored' as const,
      })),
      ...[0, 1, 2].map((n) => ({ reason: 'JSON_DECODE' as const, sourcePartition: 0, value: Buffer.from(`{"broken": ${n}`), expect: 'skip' as const })),
    ];
    await produce(dlq, deadLetters(source, dlq, letters));
    const config = scorerConfig({
      client,
      groupId: uniqueName('redrive-group'),
      inputs: [],
      output,
      outputFormat: 'json',
      deadLetter: dlq,
      extra: {
        log: { level: 'warn' },
        inference: { threads: 1 },
        flows: [{ name: 'payments', inputs: [{ topic: source, format: 'json' }], models: ['fraud'], output }],
      },
    });

    const unknownFlow = await runRedrive(config, ['--flow', 'nope']);
    assert.equal(unknownFlow.code, 2);
    assert.match(unknownFlow.stderr, /--flow: no flow "nope" in the configuration \(its flows: payments\)/);
    const unknownVersion = await runRedrive(config, ['--flow', 'payments', '--model', 'fraud@9']);
    assert.equal(unknownVersion.code, 2);
    assert.match(unknownVersion.stderr, /--model: model fraud has no version 9 \(on disk: 1, 2\)/);

    const run = await runRedrive(config, ['--flow', 'payments', '--model', 'fraud@2', '--reason', 'INFERENCE_FAILED']);
    assert.equal(run.code, 0, run.stderr);
    assert.deepEqual(run.stdout.trim().split('\n').slice(1), [
      'read         13',
      'matched      10',
      'scored       10 (10 predictions)',
      'failed again 0',
      'skipped      3 (reason 3)',
    ]);
    assert.match(run.stdout, /through flow payments with fraud@2, started .*: finished/);
    const predictions = (await collect(output, (all) => all.length >= 10, 30_000)).map((c) => JSON.parse((c.value as Buffer).toString()));
    assert.deepEqual(
      predictions.map((p) => [p.flow, p.model_name, p.model_version, p.source_topic, p.source_partition, Number(p.source_offset)]).sort((a, b) => a[5] - b[5]),
      letters.slice(0, 10).map((letter, i) => ['payments', 'fraud', 2, source, letter.sourcePartition, 1000 + i]),
    );
  });
}
