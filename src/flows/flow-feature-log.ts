/**
 * A flow batch's feature-log records: one per prediction record, in the same order (row by row, and in
 * a row, target by target), so record r of the feature log belongs to prediction r. The features are
 * the ones the model's graph was fed, after the flow's and the model's preprocess; a fallback's answer
 * or a heuristic's logs its prediction and lineage with no features.
 */
import type { FeatureLogWriter } from '../codecs/feature-log-writer.ts';
import type { EncodedBatch } from '../codecs/prediction-encoder.ts';
import { keyBytesOf } from '../inference/packed-keys.ts';
import type { FlowBatch } from './flow-batch.ts';
import type { Output } from './flow-output.ts';

/** Run after encodeOutputs, which fails the rows it could not encode: those write no prediction, so no feature log either. */
export function logFlowFeatures(batch: FlowBatch, flow: string, writer: FeatureLogWriter, outputs: readonly (readonly Output[])[]): EncodedBatch {
  const { request } = batch;
  let records = 0;
  for (let i = 0; i < request.rows; i++) if (!batch.failed(i)) records += outputs[i]!.length;
  const logging = writer.batch(records);
  for (let i = 0; i < request.rows; i++) {
    if (batch.failed(i)) continue;
    for (const { config, scoring, prediction, fallback, features } of outputs[i]!) {
      const entry = {
        model_name: config.name,
        model_version: config.version,
        score: prediction.score,
        label: prediction.label ?? null,
        flow,
        experiment: scoring.experiment ?? null,
        variant: scoring.variant ?? null,
        fallback: fallback !== null,
        source_topic: batch.topicOf(i),
        source_partition: request.partitions[i] as number,
        source_offset: request.offsets[i] as number,
        event_timestamp: request.timestamps[i] as number,
        key: keyBytesOf(request, i),
        scored_at: request.scoredAt,
      };
      logging.write(entry, features);
    }
  }
  return logging.finish();
}
