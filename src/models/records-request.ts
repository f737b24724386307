/**
 * One batch as the inference worker takes it: the records' values copied back to back into one buffer
 * and their lineage in typed arrays, all transferred, so the only per-record work on the Kafka thread is
 * a copy of the bytes. Built afresh for every attempt, since posting a request detaches its buffers.
 * A model's batch and a flow's batch share this packing; a flow's also carries what its routing and
 * experiments read that the values do not hold (the record keys, the routing header).
 */
import { JSON_RECORD } from '../codecs/input-format.ts';
import type { OutputSpec } from '../codecs/prediction-encoder.ts';
import type { BatchInput } from '../inference/pool.ts';
import type { PackedKeys, ScoreFlowRequest, ScoreRecordsRequest } from '../inference/protocol.ts';
import type { ExperimentRequest } from './flow-experiments.ts';
import type { Work } from './work.ts';

export interface RequestContext {
  readonly name: string;
  readonly version: number;
  readonly output: OutputSpec;
  /** The text of a writer schema intake found loaded. */
  readonly writerSchema: (schemaId: number) => string;
  /** The feature-log schema id, when the feature log is on. */
  readonly featureLog?: number;
}

export interface FlowRequestContext extends Omit<RequestContext, 'name' | 'version'> {
  readonly flow: string;
  /** The header the flow routes by, when it routes by one. */
  readonly routeHeader?: string;
  /** Models whose circuit is open for this batch. */
  readonly openCircuits?: readonly string[];
  /** The flow plans generation the batch runs on (hot reload); absent or 0: the start-up plans. */
  readonly plans?: number;
}

/** What a request reads of one admitted record. */
export type RequestRow = Pick<Work, 'record' | 'schemaId' | 'topic' | 'partition' | 'offset' | 'timestamp'>;

type Packed = Omit<ScoreRecordsRequest, 'kind' | 'model' | 'version' | 'featureLog'>;

function pack(context: Omit<RequestContext, 'name' | 'version'>, items: readonly RequestRow[], scoredAt: number): { packed: Packed; transfer: ArrayBuffer[] } {
  const rows = items.length;
  let total = 0;
  for (const w of items) total += w.record.value?.length ?? 0;
  const values = new Uint8Array(new ArrayBuffer(total));
  const valueEnds = new Int32Array(rows);
  const schemaIds = new Int32Array(rows);
  const topicIndex = new Uint16Array(rows);
  const partitions = new Int32Array(rows);
  const offsets = new Float64Array(rows);
  const timestamps = new Float64Array(rows);
  const topics: string[] = [];
  const writerSchemas: Record<number, string> = {};
  let at = 0;
  for (let i = 0; i < rows; i++) {
    const w = items[i] as RequestRow;
    const value = w.record.value as Buffer;
    values.set(value, at);
    at += value.length;
    valueEnds[i] = at;
    schemaIds[i] = w.schemaId;
    if (w.schemaId !== JSON_RECORD && writerSchemas[w.schemaId] === undefined) writerSchemas[w.schemaId] = context.writerSchema(w.schemaId);
    let t = topics.indexOf(w.topic);
    if (t < 0) t = topics.push(w.topic) - 1;
    topicIndex[i] = t;
    partitions[i] = w.partition;
    // The lineage offset: the fetched one (w.offset) differs when a redrive admits a dead letter.
    offsets[i] = w.record.offset;
    timestamps[i] = w.timestamp;
  }
  return {
    packed: { rows, values, valueEnds, schemaIds, writerSchemas, topics, topicIndex, partitions, offsets, timestamps, output: context.output, scoredAt },
    transfer: [values.buffer, valueEnds.buffer, schemaIds.buffer, topicIndex.buffer, partitions.buffer, offsets.buffer, timestamps.buffer],
  };
}

export function recordsRequest(context: RequestContext, items: readonly RequestRow[], scoredAt: number): BatchInput {
  const { packed, transfer } = pack(context, items, scoredAt);
  const request: ScoreRecordsRequest = { kind: 'score-records', model: context.name, version: context.version, ...packed };
  if (context.featureLog === undefined) return { request, transfer };
  // Only the feature log needs the keys on the plain path: the predictions' keys stay on this thread.
  const keys = packKeys(items.map((w) => w.record.key));
  transfer.push(keys.keyBytes.buffer, keys.keyEnds.buffer, keys.keyPresent.buffer);
  return { request: { ...request, featureLog: { schemaId: context.featureLog, keys } }, transfer };
}

function headerValue(row: RequestRow, name: string): string | null {
  for (const [key, value] of row.record.headers) if (key === name) return value.toString('utf8');
  return null;
}

/** Keys back to back, as PackedKeys describes: a copy each, no string. */
export function packKeys(keys: readonly (Uint8Array | null)[]): PackedKeys {
  let total = 0;
  for (const key of keys) total += key?.length ?? 0;
  const keyBytes = new Uint8Array(new ArrayBuffer(total));
  const keyEnds = new Int32Array(keys.length);
  const keyPresent = new Uint8Array(keys.length);
  let at = 0;
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i] ?? null;
    if (key !== null) {
      keyBytes.set(key, at);
      at += key.length;
      keyPresent[i] = 1;
    }
    keyEnds[i] = at;
  }
  return { keyBytes, keyEnds, keyPresent };
}

/** `experiments`: the batch's shadow and canary settings (flow-experiments.ts). */
export function flowRequest(
  context: FlowRequestContext,
  items: readonly RequestRow[],
  scoredAt: number,
  experiments: ExperimentRequest = {},
): BatchInput<ScoreFlowRequest> {
  const { packed, transfer } = pack(context, items, scoredAt);
  const keys = packKeys(items.map((w) => w.record.key));
  transfer.push(keys.keyBytes.buffer, keys.keyEnds.buffer, keys.keyPresent.buffer);
  const { routeHeader } = context;
  const request: ScoreFlowRequest = {
    kind: 'score-flow',
    flow: context.flow,
    ...packed,
    ...keys,
    ...(routeHeader === undefined ? {} : { routeHeaders: items.map((w) => headerValue(w, routeHeader)) }),
    ...(context.openCircuits === undefined ? {} : { openCircuits: context.openCircuits }),
    ...(context.plans === undefined || context.plans === 0 ? {} : { plans: context.plans }),
    ...(context.featureLog === undefined ? {} : { featureLog: { schemaId: context.featureLog } }),
    ...experiments,
  };
  return { request, transfer };
}
