/**
 * What an inference worker does with one batch of records: decode each value (Avro with its writer
 * schema, or JSON), extract the model's features, score the good rows in one run, and write every
 * prediction into one buffer. A record that cannot be decoded or does not fit the feature spec becomes
 * a failure with its DLQ reason, exactly as it would have on the main thread; a model that fails on the
 * batch is bisected here, in the worker, until the failing rows stand alone (INFERENCE_FAILED), so a
 * bad record costs extra runs in this thread and no round trip. Pure apart from `run`: no onnxruntime
 * here, so the logic is tested without a model.
 */
import type { AvroReader } from '../codecs/avro-reader.ts';
import type { FeatureMapper, FeatureRow } from '../codecs/features.ts';
import { JSON_RECORD } from '../codecs/input-format.ts';
import { decodeJson } from '../codecs/json.ts';
import type { PredictionWriter } from '../codecs/prediction-encoder.ts';
import { isScorerError, RecordError } from '../errors.ts';
import type { RecordsScoredReply, RowFailure, ScoreRecordsRequest } from './protocol.ts';
import type { Feeds, ModelConfig } from './types.ts';

export interface RowScores {
  readonly scores: Float64Array;
  readonly labels?: readonly string[];
}

export interface RecordsModel {
  readonly config: ModelConfig;
  readonly mapper: FeatureMapper;
  /** One session.run over packed feeds; rejects when the model fails on them. */
  run(feeds: Feeds, rows: number): Promise<RowScores>;
}

export interface RecordsCodecs {
  /** The reader of a writer schema whose text the request carries. */
  reader(schemaId: number, schema: string): AvroReader;
  writer: PredictionWriter;
}

export interface Clock {
  now(): number;
}

function messageOf(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}

/** The features of every row that decodes and fits the spec; the others become failures. */
function extractRows(request: ScoreRecordsRequest, model: RecordsModel, codecs: RecordsCodecs, failures: RowFailure[]): { rows: FeatureRow[]; good: number[] } {
  const rows: FeatureRow[] = [];
  const good: number[] = [];
  let start = 0;
  for (let i = 0; i < request.rows; i++) {
    const end = request.valueEnds[i] as number;
    const value = Buffer.from(request.values.buffer, request.values.byteOffset + start, end - start);
    start = end;
    const schemaId = request.schemaIds[i] as number;
    try {
      const event = schemaId === JSON_RECORD ? decodeJson(value) : codecs.reader(schemaId, request.writerSchemas[schemaId] ?? '').decode(value);
      rows.push(model.mapper.extract(event));
      good.push(i);
    } catch (error) {
      if (!(error instanceof RecordError)) throw error;
      failures.push({ row: i, reason: error.reason, message: error.message });
    }
  }
  return { rows, good };
}

interface Scored {
  readonly score: number;
  readonly label: string | undefined;
}

/** Scores `rows` in one run; when the model fails, halves until the failing rows stand alone. */
async function scoreRows(
  model: RecordsModel,
  rows: readonly FeatureRow[],
  good: readonly number[],
  out: (Scored | undefined)[],
  failures: RowFailure[],
): Promise<number> {
  let result: RowScores;
  try {
    result = await model.run(model.mapper.pack(rows), rows.length);
  } catch (error) {
    if (rows.length === 1) {
      failures.push({ row: good[0] as number, reason: 'INFERENCE_FAILED', message: `model-error: ${messageOf(error)}` });
      return 1;
    }
    const mid = rows.length >>> 1;
    const left = await scoreRows(model, rows.slice(0, mid), good.slice(0, mid), out, failures);
    return 1 + left + (await scoreRows(model, rows.slice(mid), good.slice(mid), out, failures));
  }
  for (let k = 0; k < good.length; k++) out[good[k] as number] = { score: result.scores[k] ?? Number.NaN, label: result.labels?.[k] };
  return 1;
}

export async function scoreRecords(request: ScoreRecordsRequest, model: RecordsModel, codecs: RecordsCodecs, clock: Clock): Promise<RecordsScoredReply> {
  const failures: RowFailure[] = [];
  const t0 = clock.now();
  const { rows, good } = extractRows(request, model, codecs, failures);
  const t1 = clock.now();
  const scored = new Array<Scored | undefined>(request.rows);
  const runs = rows.length === 0 ? 0 : await scoreRows(model, rows, good, scored, failures);
  const t2 = clock.now();
  const writing = codecs.writer.batch(request.rows);
  const { name, version } = model.config;
  for (let i = 0; i < request.rows; i++) {
    const s = scored[i];
    if (s === undefined) {
      writing.skip();
      continue;
    }
    try {
      writing.write({
        score: s.score,
        label: s.label ?? null,
        model_name: name,
        model_version: version,
        source_topic: request.topics[request.topicIndex[i] as number] ?? '',
        source_partition: request.partitions[i] as number,
        source_offset: request.offsets[i] as number,
        event_timestamp: request.timestamps[i] as number,
        scored_at: request.scoredAt,
      });
    } catch (error) {
      if (!isScorerError(error, 'SCORER_ERR_ENCODE')) throw error;
      failures.push({ row: i, reason: 'ENCODE_FAILED', message: error.message });
    }
  }
  const { bytes, ends } = writing.finish();
  return { kind: 'records-scored', encoded: bytes, ends, failures, decodeMs: t1 - t0, inferMs: t2 - t1, encodeMs: clock.now() - t2, runs };
}
