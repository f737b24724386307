/**
 * What an inference worker does with one batch of records: decode each value's features into the
 * batch's columns (Avro with its writer schema, read straight into them, or JSON), score the good rows
 * in one run, and write every prediction into one buffer. A record that cannot be decoded or does not fit the feature spec becomes
 * a failure with its DLQ reason, exactly as it would have on the main thread; a model that fails on the
 * batch is bisected here, in the worker, until the failing rows stand alone (INFERENCE_FAILED), so a
 * bad record costs extra runs in this thread and no round trip. Pure apart from `run`: no onnxruntime
 * here, so the logic is tested without a model.
 */
import type { FeatureLogWriter } from '../codecs/feature-log-writer.ts';
import type { FeatureColumns, FeatureMapper } from '../codecs/features.ts';
import { JSON_RECORD } from '../codecs/input-format.ts';
import type { PredictionWriter } from '../codecs/prediction-encoder.ts';
import { JSON_ROWS, type RowDecoder } from '../codecs/row-decoder.ts';
import type { BinCounter } from '../drift/bin-counter.ts';
import { isScorerError, RecordError } from '../errors.ts';
import { keyBytesOf } from './packed-keys.ts';
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
  /** Present when the model has training statistics: counts each batch's drift bins. */
  readonly bins?: BinCounter;
}

export interface RecordsCodecs {
  /** The decoder of a writer schema, whose text the request carries, for the request's model. */
  decoder(schemaId: number, schema: string): RowDecoder;
  writer: PredictionWriter;
  /** The feature-log writer for a registered schema id (ScoreRecordsRequest.featureLog). */
  featureLog(schemaId: number): FeatureLogWriter;
}

export interface Clock {
  now(): number;
}

function messageOf(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}

/** The features of every row that decodes and fits the spec, in columns; the others become failures. */
function extractRows(
  request: ScoreRecordsRequest,
  model: RecordsModel,
  codecs: RecordsCodecs,
  failures: RowFailure[],
): { columns: FeatureColumns; good: number[] } {
  const columns = model.mapper.columns(request.rows);
  /** good[k]: the request row that column row k came from. */
  const good: number[] = [];
  let start = 0;
  // A batch's rows mostly share one writer schema: its decoder is looked up when the id changes.
  let decoderId: number | undefined;
  let decoder = JSON_ROWS;
  for (let i = 0; i < request.rows; i++) {
    const end = request.valueEnds[i] as number;
    const schemaId = request.schemaIds[i] as number;
    try {
      if (schemaId !== decoderId) {
        decoder = schemaId === JSON_RECORD ? JSON_ROWS : codecs.decoder(schemaId, request.writerSchemas[schemaId] ?? '');
        decoderId = schemaId;
      }
      decoder.decodeInto(request.values, start, end, columns);
      good.push(i);
    } catch (error) {
      if (!(error instanceof RecordError)) throw error;
      failures.push({ row: i, reason: error.reason, message: error.message });
    }
    start = end;
  }
  return { columns, good };
}

export interface Scored {
  readonly score: number;
  readonly label: string | undefined;
}

/** Column rows [start, end) of one batch, and the request row each came from. */
export interface RowRange {
  readonly columns: FeatureColumns;
  readonly good: readonly number[];
  readonly start: number;
  readonly end: number;
}

/**
 * Scores a range in one run; when the model fails, halves it until the failing rows stand alone. Also
 * the flow executor's (src/flows/), which reads a lone failing row's INFERENCE_FAILED as its cue for the
 * flow's fallback.
 */
export async function scoreRows(model: RecordsModel, range: RowRange, out: (Scored | undefined)[], failures: RowFailure[]): Promise<number> {
  const { columns, good, start, end } = range;
  let result: RowScores;
  try {
    result = await model.run(columns.feeds(start, end), end - start);
  } catch (error) {
    if (end - start === 1) {
      failures.push({ row: good[start] as number, reason: 'INFERENCE_FAILED', message: `model-error: ${messageOf(error)}` });
      return 1;
    }
    const mid = start + ((end - start) >>> 1);
    const left = await scoreRows(model, { ...range, end: mid }, out, failures);
    return 1 + left + (await scoreRows(model, { ...range, start: mid }, out, failures));
  }
  for (let k = 0; k < end - start; k++) out[good[start + k] as number] = { score: result.scores[k] ?? Number.NaN, label: result.labels?.[k] };
  return 1;
}

export async function scoreRecords(request: ScoreRecordsRequest, model: RecordsModel, codecs: RecordsCodecs, clock: Clock): Promise<RecordsScoredReply> {
  const failures: RowFailure[] = [];
  const t0 = clock.now();
  const { columns, good } = extractRows(request, model, codecs, failures);
  const t1 = clock.now();
  const scored = new Array<Scored | undefined>(request.rows);
  const runs = columns.rows === 0 ? 0 : await scoreRows(model, { columns, good, start: 0, end: columns.rows }, scored, failures);
  const t2 = clock.now();
  const writing = codecs.writer.batch(request.rows);
  const log = request.featureLog;
  const logging = log === undefined ? undefined : codecs.featureLog(log.schemaId).batch(request.rows);
  const { name, version } = model.config;
  const { fields } = model.mapper;
  // Column row k holds request row good[k]; both run in row order, and a scored row is a good one.
  let k = 0;
  for (let i = 0; i < request.rows; i++) {
    const s = scored[i];
    if (s === undefined) {
      writing.skip();
      logging?.skip();
      continue;
    }
    const value = {
      score: s.score,
      label: s.label ?? null,
      model_name: name,
      model_version: version,
      source_topic: request.topics[request.topicIndex[i] as number] ?? '',
      source_partition: request.partitions[i] as number,
      source_offset: request.offsets[i] as number,
      event_timestamp: request.timestamps[i] as number,
      scored_at: request.scoredAt,
    };
    try {
      writing.write(value);
    } catch (error) {
      if (!isScorerError(error, 'SCORER_ERR_ENCODE')) throw error;
      failures.push({ row: i, reason: 'ENCODE_FAILED', message: error.message });
      logging?.skip();
      continue;
    }
    if (logging === undefined) continue;
    while ((good[k] as number) < i) k++;
    const key = log?.keys === undefined ? null : keyBytesOf(log.keys, i);
    logging.write({ ...value, flow: null, experiment: null, variant: null, fallback: false, key }, { columns, fields, row: k });
  }
  const { bytes, ends } = writing.finish();
  const logged = logging === undefined ? {} : { featureLog: logging.finish() };
  const drift = model.bins === undefined || columns.rows === 0 ? {} : { drift: model.bins.count(columns) };
  return { kind: 'records-scored', encoded: bytes, ends, failures, decodeMs: t1 - t0, inferMs: t2 - t1, encodeMs: clock.now() - t2, runs, ...logged, ...drift };
}
