/**
 * The compiled Avro decoder against the path it replaces (avsc decodes an event object, the mapper
 * appends it): over the same values, valid and broken, both must leave the same columns and fail the
 * same rows with the same reason and message. Seeded random records cover every construct a writer
 * schema can hold; the seed is in each assertion's message.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Type } from 'avsc';
import { AvroReader } from '../../../src/codecs/avro-reader.ts';
import { compileFeatureMapper } from '../../../src/codecs/features.ts';
import { avroRows } from '../../../src/codecs/row-decoder.ts';
import { writeHeader } from '../../../src/codecs/wire-format.ts';
import { RecordError } from '../../../src/errors.ts';
import type { FeatureFieldSpec, ModelConfig, ModelInputSpec, TensorDType } from '../../../src/inference/types.ts';
import { withBigintLongs } from '../../support/bigint-longs.ts';
import { randomInt, seededRandom } from '../../support/seeded-random.ts';

const LIMITS = { maxStringFeatureLength: 6 };

/** Every construct: primitives, unions (nullable either way round, three branches, wrapped), nested and recursive records, enums, fixed, arrays, maps. */
const SCHEMA = {
  type: 'record',
  name: 'Rich',
  namespace: 'test',
  fields: [
    { name: 'id', type: 'string' },
    { name: 'amount', type: 'double' },
    { name: 'ratio', type: 'float' },
    { name: 'count', type: 'int' },
    { name: 'big', type: 'long' },
    { name: 'at', type: { type: 'long', logicalType: 'timestamp-millis' } },
    { name: 'flag', type: 'boolean' },
    { name: 'opt', type: ['null', 'double'], default: null },
    { name: 'late', type: ['double', 'null'] },
    { name: 'note', type: ['null', 'string'], default: null },
    { name: 'wide', type: ['null', 'string', 'long'], default: null },
    { name: 'either', type: ['int', 'long'] },
    { name: 'channel', type: { type: 'enum', name: 'Channel', symbols: ['WEB', 'APP', 'POS'] } },
    {
      name: 'device',
      type: {
        type: 'record',
        name: 'Device',
        fields: [
          { name: 'os', type: 'string' },
          { name: 'score', type: ['null', 'float'] },
        ],
      },
    },
    { name: 'maybe', type: ['null', 'Device'], default: null },
    { name: 'tags', type: { type: 'array', items: 'string' } },
    { name: 'counts', type: { type: 'map', values: ['null', 'long'] } },
    { name: 'blob', type: 'bytes' },
    { name: 'fx', type: { type: 'fixed', name: 'Fx', size: 3 } },
    {
      name: 'chain',
      type: [
        'null',
        {
          type: 'record',
          name: 'Link',
          fields: [
            { name: 'v', type: 'int' },
            { name: 'next', type: ['null', 'Link'] },
          ],
        },
      ],
    },
    { name: 'nothing', type: 'null' },
  ],
};

// Every union written as { branch: value }, so a test chooses the branch.
const WRITER = withBigintLongs(SCHEMA, true);
const READER = AvroReader.fromSchema(5, JSON.stringify(SCHEMA));

type Gen = () => number;

function pick<T>(random: Gen, items: readonly T[]): T {
  return items[randomInt(random, items.length)] as T;
}

const LONGS = [
  0n,
  1n,
  -1n,
  63n,
  -64n,
  2n ** 31n,
  2n ** 40n + 7n,
  2n ** 52n + 1n,
  -(2n ** 52n + 1n),
  2n ** 53n - 1n,
  -(2n ** 53n - 1n),
  2n ** 53n,
  2n ** 60n,
  -(2n ** 63n),
];
const DOUBLES = [0, -0, 1.5, -2.25, 1e-40, 3.4e38, 1e39, -1e300, Number.NaN, Number.POSITIVE_INFINITY, 123456.789];
const STRINGS = ['', 'a', 'ios', 'abcdef', 'abcdefg', 'é', '😀x', 'WEB'];

function long(random: Gen): bigint {
  return random() < 0.5 ? BigInt(randomInt(random, 2000) - 1000) : pick(random, LONGS);
}

function double(random: Gen): number {
  return random() < 0.5 ? (random() - 0.5) * 1000 : pick(random, DOUBLES);
}

function string(random: Gen): string {
  return pick(random, STRINGS);
}

function chain(random: Gen, depth: number): unknown {
  return depth === 0 || random() < 0.4 ? null : { 'test.Link': { v: randomInt(random, 100), next: chain(random, depth - 1) } };
}

const maybe = (random: Gen, branch: string, value: () => unknown) => (random() < 0.4 ? null : { [branch]: value() });

function event(random: Gen): Record<string, unknown> {
  const device = () => ({ os: string(random), score: maybe(random, 'float', () => Math.fround(double(random))) });
  return {
    id: string(random),
    amount: double(random),
    ratio: Math.fround(double(random)),
    count: randomInt(random, 2 ** 31) - 2 ** 30,
    big: long(random),
    at: 1_700_000_000_000n + BigInt(randomInt(random, 1000)),
    flag: random() < 0.5,
    opt: maybe(random, 'double', () => double(random)),
    late: maybe(random, 'double', () => double(random)),
    note: maybe(random, 'string', () => string(random)),
    wide: random() < 0.5 ? maybe(random, 'string', () => string(random)) : maybe(random, 'long', () => long(random)),
    either: random() < 0.5 ? { int: randomInt(random, 100) } : { long: long(random) },
    channel: pick(random, ['WEB', 'APP', 'POS']),
    device: device(),
    maybe: maybe(random, 'test.Device', device),
    tags: Array.from({ length: randomInt(random, 3) }, () => string(random)),
    counts: Object.fromEntries(Array.from({ length: randomInt(random, 3) }, (_, i) => [`k${i}`, maybe(random, 'long', () => long(random))])),
    blob: Buffer.from([randomInt(random, 256)]),
    fx: Buffer.from([1, 2, randomInt(random, 256)]),
    chain: chain(random, 3),
    nothing: null,
  };
}

function encode(type: Type, value: Record<string, unknown>): Buffer {
  const body = type.toBuffer(value);
  const wire = Buffer.alloc(5 + body.length);
  writeHeader(wire, 5);
  body.copy(wire, 5);
  return wire;
}

/** A valid record, and what a broken producer or a bad disk makes of it. */
function variants(random: Gen, valid: Buffer): Buffer[] {
  const out = [valid];
  out.push(valid.subarray(0, 5 + randomInt(random, valid.length - 5)));
  out.push(Buffer.concat([valid, Buffer.from([randomInt(random, 256)])]));
  for (let k = 0; k < 3; k++) {
    const flipped = Buffer.from(valid);
    const at = 5 + randomInt(random, valid.length - 5);
    flipped[at] = randomInt(random, 256);
    out.push(flipped);
  }
  return out;
}

function model(...inputs: ModelInputSpec[]): ModelConfig {
  return { name: 'm', version: 1, inputs, outputs: { score: { output: 'p' } }, missingRequired: 'dlq' };
}

function input(name: string, dtype: TensorDType, fields: (string | FeatureFieldSpec)[]): ModelInputSpec {
  return { name, dtype, fields: fields.map((f) => (typeof f === 'string' ? { field: f } : f)) };
}

/** Specs over SCHEMA: one that valid records mostly pass, and others that probe each rule. */
const SPECS: ModelConfig[] = [
  model(
    input('numeric', 'float32', [
      'amount',
      'ratio',
      'count',
      { field: 'opt', default: 0.5 },
      { field: 'late', default: 1 },
      'flag',
      'device.score',
      { field: 'maybe.score', default: 2 },
    ]),
    input('ids', 'int64', ['count', { field: 'big', default: 0 }, 'at', { field: 'chain.v', default: -1 }]),
    input('text', 'string', ['channel', { field: 'note', default: '?' }, 'device.os', { field: 'maybe.os', default: 'none' }]),
  ),
  model(input('f', 'float32', ['big', 'at', { field: 'wide', default: 0 }, { field: 'amount.x', default: 7 }, { field: 'absent', default: 3 }])),
  model(input('s', 'string', ['id', { field: 'wide', default: '' }, 'channel', 'device.os'])),
  model(input('k', 'float32', ['amount', 'tags'])),
  model(input('k', 'float32', ['amount', 'counts'])),
  model(input('k', 'string', ['blob', 'id'])),
  model(input('k', 'int64', ['fx'])),
  model(input('k', 'float32', ['either'])),
  model(input('k', 'string', ['device'])),
  model(input('k', 'int64', ['flag', 'ratio'])),
  model(input('k', 'float32', ['channel']), input('j', 'float32', ['missing'])),
  model(input('k', 'float32', ['chain.next.v', { field: 'chain.next.next.v', default: 0 }, { field: 'nothing', default: 1 }, 'nothing.deeper'])),
];

type Outcome = 'ok' | { reason: string; message: string };

function outcome(run: () => void): Outcome {
  try {
    run();
    return 'ok';
  } catch (error) {
    if (!(error instanceof RecordError)) throw error;
    return { reason: error.reason, message: error.message };
  }
}

/** Runs both paths over `values`; returns how many records the compiled one handed to avsc. */
function assertSame(config: ModelConfig, values: readonly Buffer[], label: string, reader = READER): { road: string; handedOver: number } {
  const mapper = compileFeatureMapper(config, LIMITS);
  const before = mapper.columns(values.length);
  const after = mapper.columns(values.length);
  const spied = AvroReader.fromSchema(reader.schemaId, reader.schema);
  let handedOver = 0;
  const decode = spied.decode.bind(spied);
  spied.decode = (value) => {
    handedOver++;
    return decode(value);
  };
  const decoder = avroRows(spied, mapper.fields);
  values.forEach((value, i) => {
    const expected = outcome(() => before.append(reader.decode(value)));
    const actual = outcome(() => decoder.decodeInto(value, 0, value.length, after));
    assert.deepEqual(actual, expected, `${label}, value ${i} (${value.toString('hex')})`);
  });
  assert.equal(after.rows, before.rows, label);
  assert.deepEqual(after.feeds(0, after.rows), before.feeds(0, before.rows), label);
  return { road: decoder.road, handedOver };
}

test('seeded random records, valid and broken, fill identical columns and fail identically on every spec', () => {
  for (const seed of [1, 2, 3]) {
    const random = seededRandom(seed);
    const values = Array.from({ length: 80 }, () => variants(random, encode(WRITER, event(random)))).flat();
    SPECS.forEach((config, s) => {
      const { road } = assertSame(config, values, `seed ${seed}, spec ${s}`);
      assert.equal(road, 'columns', `spec ${s} compiles`);
    });
  }
});

test('valid records stay on the compiled road unless a used long reaches 2^53', () => {
  const random = seededRandom(7);
  const small = Array.from({ length: 200 }, () => encode(WRITER, { ...event(random), big: 5n, at: 1n }));
  assert.deepEqual(assertSame(SPECS[0]!, small, 'small longs'), { road: 'columns', handedOver: 0 });
  const huge = Array.from({ length: 50 }, () => encode(WRITER, { ...event(random), big: 2n ** 60n, wide: null }));
  assert.equal(assertSame(SPECS[0]!, huge, 'a used huge long').handedOver, 50);
  // A huge long no model reads is skipped: avsc would re-decode the record exactly, to the same values.
  assert.equal(assertSame(SPECS[2]!, huge, 'an unused huge long').handedOver, 0);
});

test('a long whose float decoding avsc rounds is handed to avsc, and keeps the value avsc gives it', () => {
  const values = [-(2n ** 52n + 1n), 2n ** 52n + 1n, -(2n ** 53n - 1n)].map((big) => encode(WRITER, { ...event(seededRandom(1)), big }));
  const config = model(input('i', 'int64', ['big']), input('f', 'float32', ['big']));
  assert.equal(assertSame(config, values, 'rounded longs').handedOver, 3);
});

test('every truncation and every single-byte change of a record is read identically', () => {
  const random = seededRandom(11);
  const valid = encode(WRITER, event(random));
  const values: Buffer[] = [];
  for (let n = 0; n < valid.length; n++) values.push(valid.subarray(0, n));
  for (let at = 5; at < valid.length; at++) {
    for (const b of [0x00, 0x01, 0x02, 0x7f, 0x80, 0xff]) {
      const changed = Buffer.from(valid);
      changed[at] = b;
      values.push(changed);
    }
  }
  for (const [s, config] of SPECS.entries()) assertSame(config, values, `spec ${s}`);
});

test('a path avsc answers in ways of its own falls back to avsc for the schema, with identical results', () => {
  const random = seededRandom(5);
  const values = Array.from({ length: 40 }, () => variants(random, encode(WRITER, event(random)))).flat();
  const cases: [string, TensorDType][] = [
    ['tags.0', 'string'],
    ['tags.length', 'float32'],
    ['counts.k0', 'int64'],
    ['blob.length', 'float32'],
    ['either.int', 'float32'],
    ['device.__proto__', 'string'],
  ];
  for (const [field, dtype] of cases) {
    const result = assertSame(model(input('x', dtype, [{ field, default: dtype === 'string' ? '-' : 0 }])), values, field);
    assert.equal(result.road, 'avsc', field);
  }
});

test('a writer schema that is not a record reads like one that has none of the fields', () => {
  const reader = AvroReader.fromSchema(5, JSON.stringify('double'));
  const values = [0.5, Number.NaN].map((x) => {
    const wire = Buffer.alloc(13);
    writeHeader(wire, 5);
    wire.writeDoubleLE(x, 5);
    return wire;
  });
  values.push(values[0]!.subarray(0, 9));
  assertSame(model(input('x', 'float32', [{ field: 'a', default: 1 }])), values, 'default', reader);
  assertSame(model(input('x', 'float32', ['a'])), values, 'missing', reader);
});
