import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import type { SchemaRegistry } from '@kafkajs/confluent-schema-registry';
import avsc from 'avsc';
import { type Message, Partitioners } from 'kafkajs';
import { accountId, avroLongBytes, avroRecords, jsonRecords, type RecordSourceOptions, writeAvroLong } from '../../../loadgen/event-records.ts';
import { createEventGenerator } from '../../../loadgen/events.ts';
import { AvroEncoder } from '../../../src/codecs/avro.ts';

const SCHEMA = JSON.parse(readFileSync(new URL('../../../schemas/payment-event.avsc', import.meta.url), 'utf8')) as { fields: { name: string }[] };
const TYPE = avsc.Type.forSchema(SCHEMA as avsc.Schema);
const OPTIONS: RecordSourceOptions = { seed: 7, accounts: 500, keys: { kind: 'uniform' }, partitions: 6, ringSize: 64 };
const T0 = 1_795_000_000_000.4;

/** The product's encoder, registered with a stand-in registry that hands out id 42. */
async function encoder(schema: object = SCHEMA): Promise<AvroEncoder> {
  const registry = { register: async () => ({ id: 42 }) } as unknown as SchemaRegistry;
  return AvroEncoder.create(registry, 'payments-value', schema);
}

function partitionOf(key: Buffer): number {
  const partitioner = Partitioners.DefaultPartitioner();
  const partitionMetadata = Array.from({ length: 6 }, (_, partitionId) => ({ partitionId, leader: 0, partitionErrorCode: 0, replicas: [0], isr: [0] }));
  return partitioner({ topic: 't', partitionMetadata, message: { key, value: null } });
}

/** Checks what every record carries, whatever the format; returns the decoded events. */
function checkRecords(messages: readonly Message[], decode: (m: Message) => Record<string, unknown>): Record<string, unknown>[] {
  const events = messages.map(decode);
  const ids = new Set<unknown>();
  events.forEach((event, i) => {
    const m = messages[i] as Message;
    const key = m.key as Buffer;
    assert.equal(event['account_id'], key.toString(), 'the key is the account id');
    assert.match(String(event['account_id']), /^acct-\d{6}$/);
    assert.equal(event['event_time'], Math.floor(T0 + i * 0.25), 'event_time is the intended send time, rounded down');
    assert.equal(m.timestamp, String(event['event_time']), 'so is the record timestamp');
    assert.equal(m.partition, partitionOf(key), 'partition as the Java-compatible partitioner places the key');
    assert.match(String(event['event_id']), /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-a[0-9a-f]{3}-[0-9a-f]{12}$/);
    ids.add(event['event_id']);
    assert.ok(TYPE.isValid(event), `record ${i} matches the payment event schema`);
  });
  assert.equal(ids.size, events.length, 'event ids are unique');
  return events;
}

describe('event records', () => {
  it('writes Avro longs as avsc does, and knows their length', () => {
    const longType = avsc.Type.forSchema('long');
    for (const value of [0, 1, 63, 64, 8191, 8192, 1_795_000_000_123, 2 ** 52 + 1]) {
      const target = Buffer.alloc(12);
      const end = writeAvroLong(target, 1, value);
      assert.deepEqual(target.subarray(1, end), longType.toBuffer(value), String(value));
      assert.equal(avroLongBytes(value), end - 1, String(value));
    }
  });

  it('Avro: wire-format records the payment event schema decodes, with the template features', async () => {
    const source = avroRecords(await encoder(), OPTIONS);
    const messages = Array.from({ length: 200 }, (_, i) => source.next(T0 + i * 0.25));
    const events = checkRecords(messages, (m) => {
      const value = m.value as Buffer;
      assert.deepEqual([...value.subarray(0, 5)], [0, 0, 0, 0, 42], 'magic byte and schema id');
      return TYPE.fromBuffer(value.subarray(5)) as Record<string, unknown>;
    });
    // The features after the spliced fields are the generator's, in ring order.
    const generated = createEventGenerator({ seed: OPTIONS.seed, accounts: OPTIONS.accounts, keys: OPTIONS.keys }).next(0);
    assert.equal(events[0]?.['amount'], generated.amount);
    assert.equal(events[0]?.['merchant_category'], generated.merchant_category);
    assert.equal(events[64]?.['amount'], generated.amount, 'the ring wraps after ringSize templates');
  });

  it('JSON: the same events as JSON objects', () => {
    const source = jsonRecords(OPTIONS);
    const messages = Array.from({ length: 200 }, (_, i) => source.next(T0 + i * 0.25));
    checkRecords(messages, (m) => JSON.parse(String(m.value)) as Record<string, unknown>);
  });

  it('draws the key per record from the distribution asked for, not from the ring', () => {
    const count = (keys: RecordSourceOptions['keys']): Map<string, number> => {
      const source = jsonRecords({ ...OPTIONS, keys, accounts: 1000 });
      const counts = new Map<string, number>();
      for (let i = 0; i < 20_000; i++) {
        const key = String(source.next(T0).key);
        counts.set(key, (counts.get(key) ?? 0) + 1);
      }
      return counts;
    };
    const uniform = count({ kind: 'uniform' });
    assert.ok(uniform.size > 990, `uniform over 1,000 accounts reaches nearly all of them (ring of 64): ${uniform.size}`);
    const zipf = count({ kind: 'zipf', exponent: 1.2 });
    const hottest = [...zipf].sort((a, b) => b[1] - a[1])[0];
    assert.equal(hottest?.[0], accountId(0), 'zipf: account 0 is the most frequent');
    assert.ok((hottest?.[1] ?? 0) > 20_000 * 0.15, `and carries a large share: ${hottest?.[1]}`);
  });

  it('refuses a schema that does not start with the spliced fields', async () => {
    const reordered = { ...SCHEMA, fields: [SCHEMA.fields[1], SCHEMA.fields[0], ...SCHEMA.fields.slice(2)] };
    const wrong = await encoder(reordered);
    assert.throws(() => avroRecords(wrong, OPTIONS), /does not start with event_id, account_id, event_time/);
  });
});
