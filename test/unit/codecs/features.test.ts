import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { test } from 'node:test';
import { parse } from 'yaml';
import { compileFeatureMapper, featureFeeds } from '../../../src/codecs/features.ts';
import type { ModelConfig, ModelInputSpec } from '../../../src/inference/types.ts';
import { checkModelConfig } from '../../../src/models/config-schema.ts';
import { recordError, scorerError } from './expect-errors.ts';

const LIMITS = { maxStringFeatureLength: 8 };

function model(...inputs: ModelInputSpec[]): ModelConfig {
  return { name: 'fraud', version: 2, inputs, outputs: { score: { output: 'probabilities', index: 1 } }, missingRequired: 'dlq' };
}

const MIXED = model(
  { name: 'numeric', dtype: 'float32', fields: [{ field: 'amount' }, { field: 'device.score', default: 0.5 }, { field: 'is_new' }] },
  { name: 'counts', dtype: 'int64', fields: [{ field: 'n_tx' }, { field: 'account.age_days', default: -1 }] },
  { name: 'categorical', dtype: 'string', fields: [{ field: 'device.os' }, { field: 'country', default: 'unknown' }] },
);

const EVENT = {
  amount: 12.5,
  device: { score: 0.25, os: 'ios' },
  is_new: true,
  n_tx: 3,
  account: { age_days: 10n },
  country: 'FR',
};

test('extract reads dotted paths into one flat row in input and field order', () => {
  const mapper = compileFeatureMapper(MIXED, LIMITS);
  assert.equal(mapper.rowWidth, 7);
  assert.deepEqual(mapper.extract(EVENT), [12.5, 0.25, 1, 3, 10n, 'ios', 'FR']);
  assert.deepEqual(
    mapper.inputs.map(({ name, offset, width }) => [name, offset, width]),
    [
      ['numeric', 0, 3],
      ['counts', 3, 2],
      ['categorical', 5, 2],
    ],
  );
});

test('defaults apply when a field is missing or null, including a missing parent object', () => {
  const mapper = compileFeatureMapper(MIXED, LIMITS);
  const event = { amount: 1, is_new: false, n_tx: 0, country: null, device: { os: 'android', score: null } };
  assert.deepEqual(mapper.extract(event), [1, 0.5, 0, 0, -1, 'android', 'unknown']);
});

test('a required field missing or null is MISSING_FEATURE naming the field', () => {
  const mapper = compileFeatureMapper(MIXED, LIMITS);
  assert.throws(() => mapper.extract({ ...EVENT, amount: undefined }), recordError('MISSING_FEATURE', /"amount"/));
  assert.throws(() => mapper.extract({ ...EVENT, n_tx: null }), recordError('MISSING_FEATURE', /"n_tx"/));
  assert.throws(() => mapper.extract({ ...EVENT, device: 'ios' }), recordError('MISSING_FEATURE', /"device\.os"/));
  assert.throws(() => mapper.extract(null), recordError('MISSING_FEATURE', /"amount"/));
});

test('a value of the wrong type is FEATURE_TYPE naming the field and the type seen', () => {
  const mapper = compileFeatureMapper(MIXED, LIMITS);
  const cases: Array<[Record<string, unknown>, RegExp]> = [
    [{ amount: '12.5' }, /"amount".*float32.*got string/],
    [{ amount: { double: 1 } }, /"amount".*got object/],
    [{ n_tx: 1.5 }, /"n_tx".*safe integer, got number 1.5/],
    [{ n_tx: 2 ** 60 }, /"n_tx".*safe integer/],
    [{ n_tx: true }, /"n_tx".*got boolean/],
    [{ account: { age_days: 2n ** 63n } }, /"account\.age_days".*int64 range/],
    [{ device: { os: 7 } }, /"device\.os".*string.*got number/],
    [{ device: { os: ['ios'] } }, /"device\.os".*got array/],
    [{ device: { os: Buffer.from('ios') } }, /"device\.os".*got bytes/],
  ];
  for (const [patch, message] of cases) {
    assert.throws(() => mapper.extract({ ...EVENT, ...patch }), recordError('FEATURE_TYPE', message));
  }
});

test('a long beyond ±2^53 feeds an int64 input exactly, and a float32 input not at all (FEATURE_PRECISION)', () => {
  const mapper = compileFeatureMapper(MIXED, LIMITS);
  assert.throws(() => mapper.extract({ ...EVENT, amount: 2n ** 60n }), recordError('FEATURE_PRECISION', /"amount".*1152921504606846976.*float32/));
  const row = mapper.extract({ ...EVENT, account: { age_days: 2n ** 60n } });
  assert.ok(row.includes(2n ** 60n), 'the int64 input holds the exact value');
});

test('NaN, ±Infinity and numbers beyond float32 range are NON_FINITE', () => {
  const mapper = compileFeatureMapper(MIXED, LIMITS);
  for (const amount of [NaN, Infinity, -Infinity, 1e39, -3.5e38]) {
    assert.throws(() => mapper.extract({ ...EVENT, amount }), recordError('NON_FINITE', /"amount"/), `${amount}`);
  }
  assert.throws(() => mapper.extract({ ...EVENT, n_tx: Infinity }), recordError('NON_FINITE', /"n_tx"/));
  // The largest float32 is fine.
  assert.equal(mapper.extract({ ...EVENT, amount: 3.4028234663852886e38 })[0], 3.4028234663852886e38);
});

test('a string longer than maxStringFeatureLength is FEATURE_TOO_LONG', () => {
  const mapper = compileFeatureMapper(MIXED, LIMITS);
  assert.equal(mapper.extract({ ...EVENT, country: 'x'.repeat(8) })[6], 'xxxxxxxx');
  assert.throws(() => mapper.extract({ ...EVENT, country: 'x'.repeat(9) }), recordError('FEATURE_TOO_LONG', /"country" is 9 characters.*\(8\)/));
});

test('prototype members of decoded records are not mistaken for fields', () => {
  const mapper = compileFeatureMapper(model({ name: 'x', dtype: 'float32', fields: [{ field: 'clone', default: 7 }] }), LIMITS);
  class AvroRecordLike {
    clone(): void {}
  }
  assert.deepEqual(mapper.extract(new AvroRecordLike()), [7]);
});

test('columns hold one row-major [rows, fields] tensor per input', () => {
  const mapper = compileFeatureMapper(MIXED, LIMITS);
  const feeds = featureFeeds(mapper, [EVENT, { ...EVENT, amount: 2, is_new: false, n_tx: 9, device: { os: 'web' } }]);

  const numeric = feeds['numeric']!;
  assert.equal(numeric.dtype, 'float32');
  assert.deepEqual(numeric.dims, [2, 3]);
  assert.ok(numeric.data instanceof Float32Array);
  assert.deepEqual([...numeric.data], [12.5, 0.25, 1, 2, 0.5, 0]);

  const counts = feeds['counts']!;
  assert.ok(counts.data instanceof BigInt64Array);
  assert.deepEqual(counts.dims, [2, 2]);
  assert.deepEqual([...counts.data], [3n, 10n, 9n, 10n]);

  const categorical = feeds['categorical']!;
  assert.deepEqual(categorical.dims, [2, 2]);
  assert.deepEqual(categorical.data, ['ios', 'FR', 'web', 'FR']);
});

test('a bad event appends nothing; a range of rows is its own tensor; no rows gives [0, fields]', () => {
  const mapper = compileFeatureMapper(MIXED, LIMITS);
  const columns = mapper.columns(3);
  columns.append(EVENT);
  // amount (the first field) converts before is_new fails: neither may reach the columns.
  assert.throws(() => columns.append({ ...EVENT, amount: 99, is_new: 'yes' }), recordError('FEATURE_TYPE', /"is_new"/));
  columns.append({ ...EVENT, amount: 2 });
  assert.equal(columns.rows, 2);
  assert.deepEqual([...(columns.feeds(0, 2)['numeric']!.data as Float32Array)], [12.5, 0.25, 1, 2, 0.25, 1], 'the failed event left no trace');
  const second = columns.feeds(1, 2);
  assert.deepEqual(second['numeric']!.dims, [1, 3]);
  assert.deepEqual([...(second['numeric']!.data as Float32Array)], [2, 0.25, 1]);
  assert.deepEqual(second['categorical']!.data, ['ios', 'FR']);
  assert.deepEqual(mapper.columns(4).feeds(0, 0)['counts']!.dims, [0, 2]);
  assert.throws(() => columns.feeds(0, 3), scorerError('SCORER_ERR_INVARIANT', false), 'beyond the rows appended');
  columns.append(EVENT);
  assert.throws(() => columns.append(EVENT), scorerError('SCORER_ERR_INVARIANT', false), 'beyond the capacity');
});

test('a feature spec the mapper cannot honour is SCORER_ERR_FEATURE_SPEC at compile time', () => {
  const bad: ModelInputSpec[] = [
    { name: 'x', dtype: 'float32', fields: [{ field: 'a', default: 'zero' }] },
    { name: 'x', dtype: 'int64', fields: [{ field: 'a', default: 0.5 }] },
    { name: 'x', dtype: 'string', fields: [{ field: 'a', default: 3 }] },
    { name: 'x', dtype: 'string', fields: [{ field: 'a', default: 'far too long' }] },
    { name: 'x', dtype: 'float32', fields: [{ field: 'a..b' }] },
    { name: 'x', dtype: 'float32', fields: [] },
  ];
  for (const input of bad) {
    assert.throws(() => compileFeatureMapper(model(input), LIMITS), scorerError('SCORER_ERR_FEATURE_SPEC', false), JSON.stringify(input));
  }
  const twice = model({ name: 'x', dtype: 'float32', fields: [{ field: 'a' }] }, { name: 'x', dtype: 'float32', fields: [{ field: 'b' }] });
  assert.throws(() => compileFeatureMapper(twice, LIMITS), scorerError('SCORER_ERR_FEATURE_SPEC', false));
});

test('the fraud model config compiles and maps every one of its golden events', async () => {
  const dir = new URL('../../../models/fraud/1/', import.meta.url);
  const checked = checkModelConfig(parse(await readFile(new URL('config.yaml', dir), 'utf8')), 1);
  assert.ok(checked.ok, JSON.stringify(checked));
  const golden = JSON.parse(await readFile(new URL('golden.json', dir), 'utf8')) as { rows: Array<{ event: unknown }> };
  const mapper = compileFeatureMapper(checked.config, { maxStringFeatureLength: 1024 });

  const feeds = featureFeeds(
    mapper,
    golden.rows.map((row) => row.event),
  );
  const n = golden.rows.length;
  assert.deepEqual(
    Object.entries(feeds).map(([name, tensor]) => [name, tensor.dtype, tensor.dims]),
    [
      ['numeric', 'float32', [n, 30]],
      ['merchant_category', 'string', [n, 1]],
      ['channel', 'string', [n, 1]],
      ['country', 'string', [n, 1]],
    ],
  );
});
