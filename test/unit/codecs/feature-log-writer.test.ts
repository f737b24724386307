/** The hand-written encoding against the schema, decoded by avsc: every field, both maps, the wire-format header. */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import avsc from 'avsc';
import { FeatureLogWriter } from '../../../src/codecs/feature-log-writer.ts';
import { compileFeatureMapper } from '../../../src/codecs/features.ts';
import type { ModelConfig } from '../../../src/inference/types.ts';
import { REPO_ROOT } from '../../support/scorer-process.ts';
import { slices } from './slices.ts';

const TYPE = avsc.Type.forSchema(JSON.parse(readFileSync(join(REPO_ROOT, 'schemas', 'feature-log.avsc'), 'utf8')));

const CONFIG: ModelConfig = {
  name: 'fraud',
  version: 3,
  inputs: [
    { name: 'numeric', dtype: 'float32', fields: [{ field: 'amount' }, { field: 'device.score', default: 0.5 }] },
    { name: 'counts', dtype: 'int64', fields: [{ field: 'n_tx' }] },
    { name: 'text', dtype: 'string', fields: [{ field: 'country' }] },
  ],
  outputs: { score: { output: 'p' } },
  missingRequired: 'dlq',
};

const ENTRY = {
  model_name: 'fraud',
  model_version: 3,
  score: 0.125,
  label: '1',
  flow: 'payments',
  experiment: 'ab',
  variant: 'control',
  fallback: false,
  source_topic: 'payments',
  source_partition: 7,
  source_offset: 2 ** 40 + 3,
  event_timestamp: 1_740_960_000_123,
  key: new Uint8Array([0x61, 0xff, 0x00]),
  scored_at: 1_740_960_000_456,
};

test('records decode against schemas/feature-log.avsc with the features the columns hold, by field name', () => {
  const mapper = compileFeatureMapper(CONFIG, { maxStringFeatureLength: 16 });
  const columns = mapper.columns(2);
  columns.append({ amount: 12.3, device: { score: null }, n_tx: 4, country: 'DE' });
  columns.append({ amount: -1, device: { score: 0.75 }, n_tx: 2 ** 40, country: 'Ünïcode' });
  const writing = new FeatureLogWriter(42).batch(3);
  writing.write(ENTRY, { columns, fields: mapper.fields, row: 1 });
  writing.skip();
  writing.write({ ...ENTRY, label: null, flow: null, experiment: null, variant: null, fallback: true, key: null, source_offset: 0 });
  const { bytes, ends } = writing.finish();
  const [first, skipped, last] = slices(bytes, ends) as [Buffer, Buffer, Buffer];
  assert.equal(skipped.length, 0, 'a skipped record is an empty range');
  for (const record of [first, last]) {
    assert.equal(record[0], 0, 'magic byte');
    assert.equal(record.readInt32BE(1), 42, 'schema id');
  }
  assert.deepEqual(
    { ...TYPE.fromBuffer(first.subarray(5)) },
    {
      ...ENTRY,
      key: Buffer.from(ENTRY.key),
      features: { amount: -1, 'device.score': 0.75, n_tx: 2 ** 40 },
      string_features: { country: 'Ünïcode' },
    },
  );
  const other = TYPE.fromBuffer(last.subarray(5)) as Record<string, unknown>;
  assert.deepEqual([other['fallback'], other['key'], other['label'], other['features'], other['string_features']], [true, null, null, {}, {}]);
});

test('a float32 feature is logged as the float32 the tensor held, and a default as the default', () => {
  const mapper = compileFeatureMapper(CONFIG, { maxStringFeatureLength: 16 });
  const columns = mapper.columns(1);
  columns.append({ amount: 0.1, device: {}, n_tx: 1, country: 'x' });
  const writing = new FeatureLogWriter(1).batch(1);
  writing.write(ENTRY, { columns, fields: mapper.fields, row: 0 });
  const { bytes } = writing.finish();
  const decoded = TYPE.fromBuffer(Buffer.from(bytes.buffer, 5, bytes.length - 5)) as { features: Record<string, number> };
  assert.deepEqual(decoded.features, { amount: Math.fround(0.1), 'device.score': 0.5, n_tx: 1 });
});
