/**
 * Writes a flow batch's predictions: one record per (row, model it was routed to), in row order and, in
 * a row, in target order, stamped with how each was made (flow, experiment, variant, fallback, chained
 * results, attributes). A row that failed writes none. A prediction the output schema refuses fails its
 * row as ENCODE_FAILED; since the row's other records may already be in the buffer, the batch is then
 * written again without it: a rare path (the hooks' answers are checked before), paid only when taken.
 */
import type { FeatureRef } from '../codecs/feature-log-writer.ts';
import type { ChainedValue, PredictionValue } from '../codecs/prediction.ts';
import type { PredictionWriter } from '../codecs/prediction-encoder.ts';
import { modelId } from '../core/model-id.ts';
import { isScorerError } from '../errors.ts';
import type { FlowScoredReply } from '../inference/protocol.ts';
import type { ModelConfig } from '../inference/types.ts';
import type { FlowBatch } from './flow-batch.ts';
import type { HookPrediction } from './hook-api.ts';
import type { Scoring } from './routing.ts';

/** One record to write: a model's (or the fallback's) answer for a row. */
export interface Output {
  readonly config: ModelConfig;
  readonly scoring: Scoring;
  readonly prediction: HookPrediction;
  /** Why the flow's fallback answered, or null when the model did. */
  readonly fallback: string | null;
  readonly chained: ChainedValue[];
  /** The features the model's graph was fed, for the feature log; absent for a fallback's or a heuristic's answer. */
  readonly features?: FeatureRef;
}

export type EncodedFlow = Pick<FlowScoredReply, 'encoded' | 'recordEnds' | 'rowRecords' | 'recordModel' | 'models' | 'fallbacks'>;

function stringValues(attributes: Readonly<Record<string, unknown>>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(attributes)) out[name] = String(value);
  return out;
}

function predictionValue(batch: FlowBatch, flow: string, row: number, output: Output): PredictionValue {
  const { request } = batch;
  const { config, scoring, prediction, fallback, chained } = output;
  return {
    score: prediction.score,
    label: prediction.label,
    model_name: config.name,
    model_version: config.version,
    source_topic: batch.topicOf(row),
    source_partition: request.partitions[row] as number,
    source_offset: request.offsets[row] as number,
    event_timestamp: request.timestamps[row] as number,
    scored_at: request.scoredAt,
    flow,
    experiment: scoring.experiment ?? null,
    variant: scoring.variant ?? null,
    fallback: fallback !== null,
    fallback_reason: fallback,
    chained,
    attributes: stringValues(prediction.attributes),
  };
}

/** One pass over the rows; the row an encode failure stopped it at, or the batch. */
function attempt(batch: FlowBatch, flow: string, writer: PredictionWriter, outputs: readonly (readonly Output[])[]): EncodedFlow | number {
  const { rows } = batch.request;
  let records = 0;
  for (let i = 0; i < rows; i++) if (!batch.failed(i)) records += outputs[i]!.length;
  const writing = writer.batch(records);
  const rowRecords = new Int32Array(rows);
  const recordModel = new Uint16Array(records);
  const models: string[] = [];
  const fallbacks: Record<string, number> = {};
  let r = 0;
  for (let i = 0; i < rows; i++) {
    if (!batch.failed(i)) {
      for (const output of outputs[i]!) {
        try {
          writing.write(predictionValue(batch, flow, i, output));
        } catch (error) {
          if (!isScorerError(error, 'SCORER_ERR_ENCODE')) throw error;
          batch.fail(i, 'ENCODE_FAILED', error.message);
          return i;
        }
        const id = modelId(output.config.name, output.config.version);
        let m = models.indexOf(id);
        if (m < 0) m = models.push(id) - 1;
        recordModel[r++] = m;
        if (output.fallback !== null) fallbacks[output.fallback] = (fallbacks[output.fallback] ?? 0) + 1;
      }
    }
    rowRecords[i] = r;
  }
  const { bytes, ends } = writing.finish();
  return { encoded: bytes, recordEnds: ends, rowRecords, recordModel, models, fallbacks };
}

/** `outputs[i]`: row i's records in target order (ignored for a failed row). */
export function encodeOutputs(batch: FlowBatch, flow: string, writer: PredictionWriter, outputs: readonly (readonly Output[])[]): EncodedFlow {
  for (;;) {
    const result = attempt(batch, flow, writer, outputs);
    // Each failed attempt fails one more row, so this ends.
    if (typeof result !== 'number') return result;
  }
}
