import assert from 'node:assert/strict';
import { test } from 'node:test';
import avsc from 'avsc';
import { AvroReader } from '../../../src/codecs/avro-reader.ts';
import { writeHeader } from '../../../src/codecs/wire-format.ts';
import { withBigintLongs } from '../../support/bigint-longs.ts';
import { recordError } from './expect-errors.ts';

/** Unions, enums, nested records, arrays, maps and a logical type: what a worker must read like the main thread. */
const RICH = avsc.Type.forSchema({
  type: 'record',
  name: 'Rich',
  namespace: 'test',
  fields: [
    { name: 'amount', type: 'double' },
    { name: 'note', type: ['null', 'string'], default: null },
    { name: 'channel', type: { type: 'enum', name: 'Channel', symbols: ['WEB', 'POS'] } },
    { name: 'device', type: { type: 'record', name: 'Device', fields: [{ name: 'os', type: 'string' }] } },
    { name: 'tags', type: { type: 'array', items: 'string' } },
    { name: 'counts', type: { type: 'map', values: 'long' } },
    { name: 'at', type: { type: 'long', logicalType: 'timestamp-millis' } },
    { name: 'n', type: 'long' },
  ],
});

const EVENT = { amount: 1.5, note: 'hi', channel: 'POS', device: { os: 'ios' }, tags: ['a', 'b'], counts: { x: 3 }, at: 1_700_000_000_000, n: 5 };

function wire(schemaId: number, body: Buffer): Buffer {
  const value = Buffer.alloc(5 + body.length);
  writeHeader(value, schemaId);
  body.copy(value, 5);
  return value;
}

test('a reader built in a worker from the schema text decodes exactly as the one built from the registry type', () => {
  const main = AvroReader.fromType(9, RICH);
  const worker = AvroReader.fromSchema(9, main.schema);
  const value = wire(9, RICH.toBuffer(EVENT));
  // Through JSON: avsc decodes records as instances of per-type classes, which differ between the two.
  assert.equal(JSON.stringify(worker.decode(value)), JSON.stringify(main.decode(value)));
  assert.equal(JSON.stringify(worker.decode(value)), JSON.stringify(EVENT));
});

test('truncated bodies and trailing bytes are AVRO_DECODE naming the schema id', () => {
  const reader = AvroReader.fromType(9, RICH);
  const value = wire(9, RICH.toBuffer(EVENT));
  assert.throws(() => reader.decode(value.subarray(0, value.length - 3)), recordError('AVRO_DECODE', /schema id 9/));
  assert.throws(() => reader.decode(Buffer.concat([value, Buffer.from([0])])), recordError('AVRO_DECODE', /trailing data/));
});

test('a long beyond 2^53 decodes exactly, as a bigint, from the schema text too', () => {
  const exact = withBigintLongs(RICH.schema());
  const big = 2n ** 60n + 1n;
  const value = wire(9, exact.toBuffer({ ...EVENT, at: 1_700_000_000_000n, n: big, counts: { x: 3n } }));
  const decoded = AvroReader.fromSchema(9, AvroReader.fromType(9, RICH).schema).decode(value) as { n: unknown; at: unknown };
  assert.equal(decoded.n, big);
  assert.equal(decoded.at, 1_700_000_000_000, 'longs within range stay numbers');
});

test('a record that needs exact longs and is corrupt after them is AVRO_DECODE, not an error of the batch', () => {
  const schema = {
    type: 'record',
    name: 'R',
    fields: [
      { name: 'n', type: 'long' },
      { name: 'u', type: ['null', 'string'] },
    ],
  };
  const body = withBigintLongs(schema).toBuffer({ n: 2n ** 60n, u: null });
  body[body.length - 1] = 8; // union index 4 of 2
  const reader = AvroReader.fromSchema(3, JSON.stringify(schema));
  assert.throws(() => reader.decode(wire(3, body)), recordError('AVRO_DECODE', /schema id 3: corrupt Avro body: invalid union index: 4/));
});
