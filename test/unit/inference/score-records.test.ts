/**
 * The worker's per-batch logic without onnxruntime: a model double that scores x/100 and fails on any
 * batch holding x = 13 (fault injection), the real feature mapper, the real JSON and Avro paths, the
 * real prediction writer.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import avsc from 'avsc';
import { FeatureLogWriter } from '../../../src/codecs/feature-log-writer.ts';
import { compileFeatureMapper } from '../../../src/codecs/features.ts';
import { PredictionWriter } from '../../../src/codecs/prediction-encoder.ts';
import { writeHeader } from '../../../src/codecs/wire-format.ts';
import { ScorerError } from '../../../src/errors.ts';
import { DecoderCache } from '../../../src/inference/decoder-cache.ts';
import { type RecordsCodecs, type RecordsModel, scoreRecords } from '../../../src/inference/score-records.ts';
import type { Feeds, ModelConfig } from '../../../src/inference/types.ts';
import { NO_HEADERS } from '../../../src/kafka/client.ts';
import { recordsRequest } from '../../../src/models/records-request.ts';
import { jsonBatch, rowsOf } from './json-records.ts';

const CONFIG: ModelConfig = {
  name: 'm',
  version: 2,
  inputs: [{ name: 'x', dtype: 'float32', fields: [{ field: 'x' }] }],
  outputs: { score: { output: 'p' } },
  missingRequired: 'dlq',
};

function model(): RecordsModel & { runs: number[] } {
  const runs: number[] = [];
  return {
    runs,
    config: CONFIG,
    mapper: compileFeatureMapper(CONFIG, { maxStringFeatureLength: 64 }),
    async run(feeds: Feeds, rows: number) {
      runs.push(rows);
      const data = feeds['x']?.data as Float32Array;
      if (data.includes(13)) throw new Error('graph failed');
      return { scores: Float64Array.from(data, (x) => x / 100) };
    },
  };
}

const EVENT_TYPE = avsc.Type.forSchema({ type: 'record', name: 'E', fields: [{ name: 'x', type: 'double' }] });

function codecs(writer = new PredictionWriter({ format: 'json' })): RecordsCodecs & { looked: number[]; cache: DecoderCache } {
  const looked: number[] = [];
  const cache = new DecoderCache();
  return {
    looked,
    cache,
    writer,
    featureLog: (id) => new FeatureLogWriter(id),
    decoder(schemaId, schema) {
      looked.push(schemaId);
      return cache.get(schemaId, schema, 'm@2', model().mapper.fields);
    },
  };
}

let tick = 0;
const CLOCK = { now: () => (tick += 1) };

test('good rows are scored in one run; each bad one fails alone with its reason, in its place', async () => {
  const m = model();
  const { request } = jsonBatch('m', 2, [{ x: 1 }, { x: 'two' }, {}, { x: 4 }]);
  const reply = await scoreRecords(request, m, codecs(), CLOCK);
  assert.deepEqual(m.runs, [2]);
  assert.equal(reply.runs, 1);
  const rows = rowsOf(reply);
  assert.deepEqual(
    rows.map((r) => ('reason' in r ? r.reason : r.score)),
    [0.01, 'FEATURE_TYPE', 'MISSING_FEATURE', 0.04],
  );
  assert.ok(reply.decodeMs > 0 && reply.inferMs > 0 && reply.encodeMs > 0, 'each step is timed');
});

test('a model failure is bisected in the worker until the failing row stands alone as INFERENCE_FAILED', async () => {
  const m = model();
  const { request } = jsonBatch(
    'm',
    2,
    [1, 2, 3, 13, 5, 6, 7, 8].map((x) => ({ x })),
  );
  const reply = await scoreRecords(request, m, codecs(), CLOCK);
  assert.deepEqual(
    reply.failures.map((f) => [f.row, f.reason]),
    [[3, 'INFERENCE_FAILED']],
  );
  assert.match(reply.failures[0]?.message ?? '', /model-error: Error: graph failed/);
  assert.deepEqual(m.runs, [8, 4, 2, 2, 1, 1, 4]);
  assert.equal(reply.runs, m.runs.length);
  assert.equal(rowsOf(reply).filter((r) => 'score' in r).length, 7);
});

test('a batch with no good row runs the model not at all', async () => {
  const m = model();
  const reply = await scoreRecords(jsonBatch('m', 2, [{ x: 'a' }]).request, m, codecs(), CLOCK);
  assert.deepEqual(m.runs, []);
  assert.equal(reply.runs, 0);
  assert.equal(reply.encoded.length, 0);
});

test('a prediction the writer refuses goes alone as ENCODE_FAILED; the rows around it are written', async () => {
  class Refusing extends PredictionWriter {
    override batch(rows: number) {
      const writing = super.batch(rows);
      const write = writing.write.bind(writing);
      writing.write = (value) => {
        if (value.source_offset === 1) {
          writing.skip();
          throw new ScorerError('SCORER_ERR_ENCODE', 'field label must be a string');
        }
        write(value);
      };
      return writing;
    }
  }
  const reply = await scoreRecords(jsonBatch('m', 2, [{ x: 1 }, { x: 2 }, { x: 3 }]).request, model(), codecs(new Refusing({ format: 'json' })), CLOCK);
  assert.deepEqual(
    rowsOf(reply).map((r) => ('reason' in r ? r.reason : r.source_offset)),
    [0, 'ENCODE_FAILED', 2],
  );
  assert.match(reply.failures[0]?.message ?? '', /label must be a string/);
});

test('Avro rows decode with the writer schema the request carries, looked up once per run of one schema id; a corrupt one is AVRO_DECODE', async () => {
  const encode = (x: number) => {
    const body = EVENT_TYPE.toBuffer({ x });
    const value = Buffer.alloc(5 + body.length);
    writeHeader(value, 7);
    body.copy(value, 5);
    return value;
  };
  const values = [encode(10), encode(20).subarray(0, 7), encode(30)];
  const rows = values.map((value, offset) => ({
    record: { offset, key: null, value, timestamp: 0, headers: NO_HEADERS },
    schemaId: 7,
    topic: 't',
    partition: 1,
    offset,
    timestamp: 0,
  }));
  const schema = JSON.stringify(EVENT_TYPE.schema());
  const { request } = recordsRequest({ name: 'm', version: 2, output: { format: 'json' }, writerSchema: () => schema }, rows, 0);
  const c = codecs();
  const reply = await scoreRecords(request, model(), c, CLOCK);
  assert.deepEqual(c.looked, [7]);
  assert.equal(c.cache.size, 1);
  assert.deepEqual(
    rowsOf(reply).map((r) => ('reason' in r ? r.reason : r.score)),
    [0.1, 'AVRO_DECODE', 0.3],
  );
});

test('anything but a bad record (a bug) rejects, so the pool reports the whole batch', async () => {
  const broken: RecordsModel = {
    ...model(),
    mapper: {
      ...model().mapper,
      columns: (capacity) => ({
        ...model().mapper.columns(capacity),
        append: () => {
          throw new TypeError('mapper bug');
        },
      }),
    },
  };
  await assert.rejects(scoreRecords(jsonBatch('m', 2, [{ x: 1 }]).request, broken, codecs(), CLOCK), /mapper bug/);
});
