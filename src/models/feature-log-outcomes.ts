/**
 * A prediction's feature-log record rides with it as fan-out: the same input offset, released, sent
 * and acknowledged with the prediction (and in exactly-once mode inside the same transaction), so the
 * offset is committed only once both are acknowledged. Keyed by the input key, like the prediction.
 */

import type { EncodedBatch } from '../codecs/prediction-encoder.ts';
import type { Outgoing } from '../delivery/outgoing.ts';
import { NO_HEADERS, type OutgoingRecord } from '../kafka/client.ts';
import type { Work } from './work.ts';

export interface FanOutRecord {
  readonly record: OutgoingRecord;
  readonly tag: string;
}

/** Metric label of acknowledged feature-log records (scorer_predictions_produced_total{model}). */
export function featureLogTag(model: string): string {
  return `feature-log/${model}`;
}

/** Record `r` of a reply's feature log, a view of its one buffer. */
export function featureLogRecord(topic: string, work: Work, log: EncodedBatch, r: number, model: string): FanOutRecord {
  const start = r === 0 ? 0 : (log.ends[r - 1] as number);
  const value = Buffer.from(log.bytes.buffer, log.bytes.byteOffset + start, (log.ends[r] as number) - start);
  return { record: { topic, key: work.record.key, value, headers: NO_HEADERS }, tag: featureLogTag(model) };
}

export function withFeatureLog(outgoing: Outgoing, record: FanOutRecord): Outgoing {
  return { ...outgoing, fanOut: [...(outgoing.fanOut ?? []), record] };
}
