/**
 * Bad input never stops the stream: every kind of bad record lands in the DLQ with its reason and its
 * original bytes, every good record is scored exactly once, the process stays up, and the committed
 * offsets pass the bad records. Each produced record carries a `test-expect` header naming the DLQ reason
 * it must get (or "good"), so the assertions read the expectation off the input topic itself.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { SchemaRegistry } from '@kafkajs/confluent-schema-registry';
import avsc from 'avsc';
import type { Message } from 'kafkajs';
import { CLIENTS } from '../support/clients.ts';
import { type Collected, collect, committedOffsets, createTopics, deleteTopics, endOffsets, produce, uniqueName } from '../support/kafka.ts';
import { realRegistry } from '../support/registry.ts';
import { decodePredictions, goldenEvents, PAYMENT_SCHEMA, registerPaymentSchema, scorerConfig, sourceId } from '../support/scenario.ts';
import { startScorer, stopScorer } from '../support/scorer-process.ts';

const GOOD_PER_TOPIC = 1500;

for (const client of CLIENTS) {
  test(`[${client}] poison records go to the DLQ with their reason; good ones are all scored`, async (t) => {
    const avroIn = uniqueName('poison-avro');
    const jsonIn = uniqueName('poison-json');
    const output = uniqueName('poison-out');
    const dlq = `${output}.dlq`;
    const groupId = uniqueName('poison-group');
    await createTopics([avroIn, jsonIn, output, dlq].map((topic) => ({ topic, partitions: 3 })));
    t.after(() => deleteTopics([avroIn, jsonIn, output, dlq]));
    const reg = await realRegistry();

    const schemaId = await registerPaymentSchema(reg.registry, avroIn);
    const avroBad = await badAvroRecords(reg.registry, avroIn, schemaId);
    const jsonBad = badJsonRecords();
    const good = goldenEvents(GOOD_PER_TOPIC * 2);
    await produce(
      avroIn,
      interleave(
        await Promise.all(good.slice(0, GOOD_PER_TOPIC).map(async (e) => expect('good', { key: e.key, value: await reg.registry.encode(schemaId, e.event) }))),
        avroBad,
      ),
    );
    await produce(
      jsonIn,
      interleave(
        good.slice(GOOD_PER_TOPIC).map((e) => expect('good', { key: e.key, value: JSON.stringify(e.event) })),
        jsonBad,
      ),
    );

    const scorer = await startScorer(
      scorerConfig({
        client,
        groupId,
        registryUrl: reg.url,
        inputs: [
          { topic: avroIn, format: 'avro' },
          { topic: jsonIn, format: 'json' },
        ],
        output,
        outputFormat: 'avro',
        deadLetter: dlq,
        extra: { limits: { maxRecordBytes: 8192, maxStringFeatureLength: 256 } },
      }),
    );
    t.after(() => stopScorer(scorer, 'SIGKILL', 5000));
    await scorer.waitReady();

    const produced = [...avroBad, ...jsonBad];
    const badCount = produced.filter((m) => m.headers?.['test-expect'] !== 'good').length;
    const goodCount = GOOD_PER_TOPIC * 2 + produced.length - badCount;
    const predictions = await collect(output, (all) => all.length >= goodCount, 120_000);
    const dead = await collect(dlq, (all) => all.length >= badCount, 60_000);
    assert.equal(scorer.child.exitCode, null, 'the scorer is still running');
    const { code } = await stopScorer(scorer, 'SIGTERM', 35_000);
    assert.equal(code, 0);

    for (const topic of [avroIn, jsonIn]) {
      const inputs = await collect(topic, (all) => all.length >= GOOD_PER_TOPIC + (topic === avroIn ? avroBad.length : jsonBad.length), 30_000);
      const expected = new Map(inputs.map((r) => [sourceId(r.partition, r.offset), header(r, 'test-expect')]));
      const deadHere = dead.filter((d) => header(d, 'scorer.source.topic') === topic);
      for (const d of deadHere) {
        const id = sourceId(Number(header(d, 'scorer.source.partition')), Number(header(d, 'scorer.source.offset')));
        assert.equal(header(d, 'scorer.error.reason'), expected.get(id), `${topic} ${id}: ${header(d, 'scorer.error.message')}`);
        const original = inputs.find((r) => sourceId(r.partition, r.offset) === id) as Collected;
        assert.deepEqual(d.value, original.value, 'DLQ keeps the original value bytes');
        assert.deepEqual(d.key, original.key, 'DLQ keeps the original key');
      }
      const expectedBad = [...expected.values()].filter((v) => v !== 'good').length;
      assert.equal(deadHere.length, expectedBad, `${topic}: one DLQ record per bad input`);
      const scored = (await decodePredictions(predictions, reg.registry)).filter((p) => p.source_topic === topic);
      const scoredIds = new Set(scored.map((p) => sourceId(p.source_partition, p.source_offset)));
      assert.equal(scored.length, scoredIds.size, 'no duplicate predictions');
      for (const [id, kind] of expected) assert.equal(scoredIds.has(id), kind === 'good', `${topic} ${id} (${kind}) scored iff good`);
      assert.deepEqual(await committedOffsets(groupId, topic), await endOffsets(topic), `${topic}: commits pass the bad records`);
    }
  });
}

function expect(kind: string, message: Message): Message {
  return { ...message, headers: { ...message.headers, 'test-expect': kind } };
}

function header(r: Collected, name: string): string | undefined {
  const v = r.headers[name];
  return v === undefined ? undefined : String(Array.isArray(v) ? v[0] : v);
}

/** Spreads the bad records through the good ones. */
function interleave(good: Message[], bad: Message[]): Message[] {
  const out = [...good];
  bad.forEach((b, i) => {
    out.splice(Math.floor(((i + 1) * out.length) / (bad.length + 1)), 0, b);
  });
  return out;
}

async function badAvroRecords(registry: SchemaRegistry, topic: string, schemaId: number): Promise<Message[]> {
  const [event] = goldenEvents(1);
  const base = event!.event;
  const valid = await registry.encode(schemaId, base);
  const withAmountAs = (type: unknown) => ({
    ...PAYMENT_SCHEMA,
    fields: (PAYMENT_SCHEMA as { fields: { name: string }[] }).fields.map((f) => (f.name === 'amount' ? { ...f, type } : f)),
  });
  const withoutAmount = { ...PAYMENT_SCHEMA, fields: (PAYMENT_SCHEMA as { fields: { name: string }[] }).fields.filter((f) => f.name !== 'amount') };
  const stringAmountId = await registerPaymentSchema(registry, `${topic}-string-amount`, withAmountAs('string'));
  const noAmountId = await registerPaymentSchema(registry, `${topic}-no-amount`, withoutAmount);
  const unknownId = Buffer.from(valid);
  unknownId.writeUInt32BE(987654, 1);
  const badMagic = Buffer.from(valid);
  badMagic[0] = 7;
  const { amount: _drop, ...withoutAmountEvent } = base;
  return [
    expect('AVRO_DECODE', { key: 'bad-1', value: valid.subarray(0, valid.length - 12) }),
    expect('BAD_MAGIC_BYTE', { key: 'bad-2', value: badMagic }),
    expect('UNKNOWN_SCHEMA_ID', { key: 'bad-3', value: unknownId }),
    expect('FEATURE_TYPE', { key: 'bad-4', value: await registry.encode(stringAmountId, { ...base, amount: '12.50' }) }),
    expect('MISSING_FEATURE', { key: 'bad-5', value: await registry.encode(noAmountId, withoutAmountEvent) }),
    expect('NON_FINITE', { key: 'bad-6', value: await registry.encode(schemaId, { ...base, amount: Number.NaN }) }),
    expect('NON_FINITE', { key: 'bad-7', value: await registry.encode(schemaId, { ...base, amount: Number.POSITIVE_INFINITY }) }),
    expect('OVERSIZED', { key: 'bad-8', value: Buffer.concat([valid, Buffer.alloc(9000)]) }),
    expect('TOMBSTONE', { key: 'bad-9', value: null }),
    expect('FEATURE_TOO_LONG', { key: 'bad-10', value: await registry.encode(schemaId, { ...base, merchant_category: 'x'.repeat(600) }) }),
    expect('AVRO_DECODE', { key: 'bad-11', value: Buffer.from([0]) }),
    // Valid Avro, not poison: a long beyond 2^53 in a field no model uses still gets its prediction.
    expect('good', { key: 'big-long', value: withBigLongs(schemaId, { ...base, event_time: 2n ** 60n }) }),
  ];
}

/** Encodes as a Java producer would, longs as 64-bit integers (avsc's default long type refuses 2^60). */
function withBigLongs(schemaId: number, event: Record<string, unknown>): Buffer {
  const isLong = (s: unknown) => s === 'long' || (typeof s === 'object' && s !== null && (s as { type?: unknown }).type === 'long');
  const bigLong = avsc.types.LongType.__with({
    fromBuffer: (b: Buffer) => b.readBigInt64LE(),
    toBuffer: (n: bigint | number) => {
      const b = Buffer.alloc(8);
      b.writeBigInt64LE(BigInt(n));
      return b;
    },
    fromJSON: BigInt,
    toJSON: Number,
    isValid: (n: unknown) => typeof n === 'bigint' || Number.isSafeInteger(n),
    compare: () => 0,
  });
  const type = avsc.Type.forSchema(PAYMENT_SCHEMA as Parameters<typeof avsc.Type.forSchema>[0], { typeHook: (s) => (isLong(s) ? bigLong : undefined) });
  const header = Buffer.alloc(5);
  header.writeInt32BE(schemaId, 1);
  return Buffer.concat([header, type.toBuffer(event)]);
}

function badJsonRecords(): Message[] {
  const [event] = goldenEvents(1);
  const base = event!.event;
  const { amount: _drop, ...withoutAmount } = base;
  return [
    expect('JSON_DECODE', { key: 'jbad-1', value: '{"amount": 1.0, ' }),
    expect('JSON_DECODE', { key: 'jbad-2', value: '[1, 2, 3]' }),
    expect('FEATURE_TYPE', { key: 'jbad-3', value: JSON.stringify({ ...base, amount: 'abc' }) }),
    expect('MISSING_FEATURE', { key: 'jbad-4', value: JSON.stringify(withoutAmount) }),
    expect('MISSING_FEATURE', { key: 'jbad-5', value: JSON.stringify({ ...base, amount: null }) }),
    expect('NON_FINITE', { key: 'jbad-6', value: JSON.stringify(base).replace(/"amount":[^,}]+/, '"amount":1e999') }),
    expect('TOMBSTONE', { key: 'jbad-7', value: null }),
    expect('OVERSIZED', { key: 'jbad-8', value: JSON.stringify({ ...base, padding: 'p'.repeat(9000) }) }),
    expect('JSON_DECODE', { key: 'jbad-9', value: Buffer.from([0xff, 0xfe, 0x00]) }),
  ];
}
