import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { test } from 'node:test';
import avsc from 'avsc';
import type { PredictionValue } from '../../../src/codecs/prediction.ts';
import { PredictionWriter } from '../../../src/codecs/prediction-encoder.ts';
import { readSchemaId } from '../../../src/codecs/wire-format.ts';
import { V2_DEFAULTS } from '../../support/prediction-v2.ts';
import { scorerError } from './expect-errors.ts';
import { slices } from './slices.ts';

const SCHEMA = await readFile(new URL('../../../schemas/prediction.avsc', import.meta.url), 'utf8');
const TYPE = avsc.Type.forSchema(JSON.parse(SCHEMA));

function value(offset: number, label: string | null = 'fraud'): PredictionValue {
  return {
    score: offset / 7,
    label,
    model_name: 'fraud',
    model_version: 3,
    source_topic: 'payments',
    source_partition: 4,
    source_offset: offset,
    event_timestamp: 1_700_000_000_000 + offset,
    scored_at: 1_700_000_000_500,
  };
}

test('Avro: every row is one wire-format record with the schema id, back to back, growing past the first guess', () => {
  const writing = new PredictionWriter({ format: 'avro', schemaId: 42, schema: SCHEMA }).batch(40);
  // Long labels: 40 rows overflow the initial buffer several times.
  const written = Array.from({ length: 40 }, (_, i) => value(i, i % 5 === 0 ? null : 'x'.repeat(300)));
  for (const v of written) writing.write(v);
  const { bytes, ends } = writing.finish();
  assert.equal(bytes.length, ends[39]);
  assert.ok(bytes.buffer instanceof ArrayBuffer && bytes.byteOffset === 0, 'a plain buffer of its own, safe to transfer');
  slices(bytes, ends).forEach((record, i) => {
    assert.equal(readSchemaId(record), 42);
    assert.deepEqual({ ...(TYPE.fromBuffer(record.subarray(5)) as object) }, { ...written[i], ...V2_DEFAULTS });
  });
});

test('JSON: one object per row; skipped rows are empty ranges in their place', () => {
  const writing = new PredictionWriter({ format: 'json' }).batch(3);
  writing.write(value(0));
  writing.skip();
  writing.write(value(2));
  const { bytes, ends } = writing.finish();
  const [first, skipped, third] = slices(bytes, ends);
  assert.deepEqual(JSON.parse(String(first)), value(0));
  assert.equal(skipped?.length, 0);
  assert.deepEqual(JSON.parse(String(third)), value(2));
});

test('a value the schema refuses is SCORER_ERR_ENCODE naming the problem; the row is skipped and writing goes on', () => {
  const writing = new PredictionWriter({ format: 'avro', schemaId: 1, schema: SCHEMA }).batch(3);
  writing.write(value(0));
  assert.throws(() => writing.write({ ...value(1), model_version: 1.5 }), scorerError('SCORER_ERR_ENCODE', false));
  writing.write(value(2));
  const records = slices(...(Object.values(writing.finish()) as [Uint8Array, Int32Array]));
  assert.deepEqual(
    records.map((r) => r.length > 0),
    [true, false, true],
  );
  assert.equal((TYPE.fromBuffer((records[2] as Buffer).subarray(5)) as PredictionValue).source_offset, 2);
});
