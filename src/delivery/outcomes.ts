/**
 * Builds what leaves the service for a record: a prediction keyed by the input key, carrying its full
 * lineage so consumers can de-duplicate (at-least-once), or a dead-letter record.
 */
import type { DlqReason } from '../errors.ts';
import { type ConsumedRecord, NO_HEADERS } from '../kafka/client.ts';
import { deadLetterRecord } from './dead-letter.ts';
import type { OutcomeSource, Outgoing } from './outgoing.ts';

/** schemas/prediction.avsc, field for field. */
export interface PredictionValue {
  score: number;
  label: string | null;
  model_name: string;
  model_version: number;
  source_topic: string;
  source_partition: number;
  source_offset: number;
  event_timestamp: number;
  scored_at: number;
}

export interface RecordEncoder {
  encode(value: PredictionValue): Buffer;
}

export interface OutputTarget {
  readonly topic: string;
  readonly deadLetterTopic: string;
  readonly encoder: RecordEncoder;
}

/** The input record behind an outcome, with where it came from. */
export interface InputOrigin extends OutcomeSource {
  readonly topic: string;
  readonly partition: number;
  readonly record: ConsumedRecord;
}

export interface ModelIdentity {
  readonly name: string;
  readonly version: number;
  /** modelId(name, version). */
  readonly id: string;
}

/** Throws ScorerError SCORER_ERR_ENCODE when the value does not fit the output schema. */
export function predictionOutgoing(
  target: OutputTarget,
  model: ModelIdentity,
  origin: InputOrigin,
  score: number,
  label: string | undefined,
  scoredAt: number,
): Outgoing {
  const value: PredictionValue = {
    score,
    label: label ?? null,
    model_name: model.name,
    model_version: model.version,
    source_topic: origin.topic,
    source_partition: origin.partition,
    source_offset: origin.offset,
    event_timestamp: origin.timestamp,
    scored_at: scoredAt,
  };
  const record = { topic: target.topic, key: origin.record.key, value: target.encoder.encode(value), headers: NO_HEADERS };
  return { source: origin, kind: 'prediction', tag: model.id, record };
}

export function deadLetterOutgoing(
  target: OutputTarget,
  origin: InputOrigin,
  reason: DlqReason,
  message: string,
  model: string | undefined,
  now: number,
): Outgoing {
  const source = { topic: origin.topic, partition: origin.partition, record: origin.record, ...(model === undefined ? {} : { model }) };
  return { source: origin, kind: 'dead-letter', tag: reason, record: deadLetterRecord(target.deadLetterTopic, source, reason, message, now) };
}
