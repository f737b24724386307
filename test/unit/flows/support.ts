/**
 * Test-only flow batches and models: records as JSON or Avro values with their topic, key and route
 * header; graph model doubles that score x / 100 (and fail on any batch holding x = 13); the reply's
 * records read back with the real prediction schema.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import avsc from 'avsc';
import { FeatureLogWriter } from '../../../src/codecs/feature-log-writer.ts';
import { compileFeatureMapper } from '../../../src/codecs/features.ts';
import { JSON_RECORD } from '../../../src/codecs/input-format.ts';
import type { PredictionValue } from '../../../src/codecs/prediction.ts';
import type { OutputSpec } from '../../../src/codecs/prediction-encoder.ts';
import { PredictionWriter } from '../../../src/codecs/prediction-encoder.ts';
import { HEADER_BYTES, writeHeader } from '../../../src/codecs/wire-format.ts';
import { modelId } from '../../../src/core/model-id.ts';
import { EventDecoder } from '../../../src/flows/event-decoder.ts';
import { type CompiledFlow, compileFlow, executeFlow } from '../../../src/flows/executor.ts';
import type { FlowHooks, FlowModel, GraphModel, ModelHooks } from '../../../src/flows/flow-model.ts';
import type { FlowPlan } from '../../../src/flows/plan.ts';
import type { FlowScoredReply, RowFailure, ScoreFlowRequest } from '../../../src/inference/protocol.ts';
import type { Feeds, ModelConfig } from '../../../src/inference/types.ts';
import { packKeys } from '../../../src/models/records-request.ts';

export const PREDICTION_SCHEMA = readFileSync(join(import.meta.dirname, '../../../schemas/prediction.avsc'), 'utf8');
export const PREDICTION_TYPE = avsc.Type.forSchema(JSON.parse(PREDICTION_SCHEMA) as avsc.Schema);
export const AVRO_OUTPUT: OutputSpec = { format: 'avro', schemaId: 99, schema: PREDICTION_SCHEMA };

export interface TestRecord {
  /** A JSON object, or bytes sent as they are (e.g. a corrupt value). */
  readonly value: Record<string, unknown> | Buffer;
  /** Encodes `value` as Avro with this writer schema id (see EVENT_SCHEMA). */
  readonly avro?: number;
  readonly topic?: string;
  readonly key?: string | null;
  readonly header?: string | null;
}

export const EVENT_SCHEMA = JSON.stringify({
  type: 'record',
  name: 'Event',
  fields: [
    { name: 'x', type: 'double' },
    { name: 'country', type: 'string', default: '' },
  ],
});
const EVENT_TYPE = avsc.Type.forSchema(JSON.parse(EVENT_SCHEMA) as avsc.Schema);

function bytesOf(record: TestRecord): Buffer {
  if (Buffer.isBuffer(record.value)) return record.value;
  if (record.avro === undefined) return Buffer.from(JSON.stringify(record.value));
  const body = EVENT_TYPE.toBuffer(record.value);
  const out = Buffer.alloc(HEADER_BYTES + body.length);
  writeHeader(out, record.avro);
  body.copy(out, HEADER_BYTES);
  return out;
}

export function flowRequest(records: readonly TestRecord[], output: OutputSpec = { format: 'json' }): ScoreFlowRequest {
  const values = records.map(bytesOf);
  const topics = [...new Set(records.map((r) => r.topic ?? 'in'))];
  const ends: number[] = [];
  let at = 0;
  for (const v of values) {
    at += v.length;
    ends.push(at);
  }
  const writerSchemas: Record<number, string> = {};
  for (const r of records) if (r.avro !== undefined) writerSchemas[r.avro] = EVENT_SCHEMA;
  return {
    kind: 'score-flow',
    flow: 'f',
    rows: records.length,
    values: new Uint8Array(Buffer.concat(values)),
    valueEnds: Int32Array.from(ends),
    schemaIds: Int32Array.from(records, (r) => r.avro ?? JSON_RECORD),
    writerSchemas,
    topics,
    topicIndex: Uint16Array.from(records, (r) => topics.indexOf(r.topic ?? 'in')),
    partitions: Int32Array.from(records, () => 3),
    offsets: Float64Array.from(records, (_, i) => 100 + i),
    timestamps: Float64Array.from(records, (_, i) => 1000 + i),
    output,
    scoredAt: 5000,
    ...packKeys(records.map((r) => (r.key === undefined || r.key === null ? null : Buffer.from(r.key)))),
    routeHeaders: records.map((r) => r.header ?? null),
  };
}

function config(name: string, version: number): ModelConfig {
  return { name, version, inputs: [{ name: 'x', dtype: 'float32', fields: [{ field: 'x' }] }], outputs: { score: { output: 'p' } }, missingRequired: 'dlq' };
}

/** Scores x / 100 (x * scale / 100), and fails on any run holding x = 13; `runs` counts rows per run. */
export function graphModel(name: string, version = 1, hooks: ModelHooks = {}, scale = 1): GraphModel & { runs: number[] } {
  const runs: number[] = [];
  const c = config(name, version);
  return {
    kind: 'onnx',
    runs,
    config: c,
    hooks,
    mapper: compileFeatureMapper(c, { maxStringFeatureLength: 64 }),
    async run(feeds: Feeds, rows: number) {
      runs.push(rows);
      const data = feeds['x']?.data as Float32Array;
      if (data.includes(13)) throw new Error('graph failed');
      return { scores: Float64Array.from(data, (x) => (x * scale) / 100) };
    },
  };
}

export function served(...models: FlowModel[]): Map<string, FlowModel> {
  return new Map(models.map((m) => [modelId(m.config.name, m.config.version), m]));
}

export function plan(over: Partial<FlowPlan>): FlowPlan {
  return { name: 'f', route: { by: 'all', targets: [{ model: 'a:1' }] }, experiments: [], ...over };
}

let tick = 0;
export const CLOCK = { now: () => (tick += 1) };

export async function run(flow: CompiledFlow, request: ScoreFlowRequest): Promise<FlowScoredReply> {
  const codecs = {
    events: new EventDecoder(),
    writer: (output: OutputSpec) => new PredictionWriter(output),
    featureLog: (id: number) => new FeatureLogWriter(id),
  };
  return executeFlow(request, flow, codecs, CLOCK);
}

export function flow(p: FlowPlan, models: Map<string, FlowModel>, hooks: FlowHooks = {}): CompiledFlow {
  return compileFlow(p, hooks, models);
}

/** Record r's prediction, decoded as its output format says (a reply's, or a shadow candidate's). */
export function records(reply: Pick<FlowScoredReply, 'encoded' | 'recordEnds'>, output: OutputSpec = { format: 'json' }): PredictionValue[] {
  const bytes = Buffer.from(reply.encoded.buffer, reply.encoded.byteOffset, reply.encoded.length);
  let start = 0;
  return Array.from(reply.recordEnds, (end) => {
    const one = bytes.subarray(start, end);
    start = end;
    if (output.format === 'json') return JSON.parse(one.toString('utf8')) as PredictionValue;
    return PREDICTION_TYPE.fromBuffer(one.subarray(HEADER_BYTES)) as PredictionValue;
  });
}

/** Each row's records, or its failure: what the main thread makes of a reply. */
export function rows(reply: FlowScoredReply, output: OutputSpec = { format: 'json' }): (PredictionValue[] | RowFailure)[] {
  const all = records(reply, output);
  const failures = new Map(reply.failures.map((f) => [f.row, f]));
  let start = 0;
  return Array.from(reply.rowRecords, (end, row) => {
    const mine = all.slice(start, end);
    start = end;
    const failure = failures.get(row);
    if (failure !== undefined && mine.length > 0) throw new Error(`row ${row} failed and wrote ${mine.length} records`);
    return failure ?? mine;
  });
}

/** Row i's one failure reason, or its records' model ids. */
export function summary(reply: FlowScoredReply): (string | string[])[] {
  return rows(reply).map((r) => ('reason' in r ? r.reason : r.map((p) => `${p.model_name}:${p.model_version}`)));
}
