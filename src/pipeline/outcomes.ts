/**
 * Builds what leaves the service for a record: a prediction keyed by the input key, carrying its full
 * lineage so consumers can de-duplicate (at-least-once), or a dead-letter record.
 */
import type { DlqReason } from '../errors.ts';
import { deadLetterRecord } from '../sink/dead-letter.ts';
import type { ModelRuntime } from './routes.ts';
import type { Outgoing, Work } from './work.ts';

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

export function predictionOutgoing(
  target: OutputTarget,
  model: ModelRuntime,
  work: Work,
  score: number,
  label: string | undefined,
  scoredAt: number,
): Outgoing {
  const value: PredictionValue = {
    score,
    label: label ?? null,
    model_name: model.entry.config.name,
    model_version: model.entry.config.version,
    source_topic: work.part.topic,
    source_partition: work.part.partition,
    source_offset: work.offset,
    event_timestamp: work.timestamp,
    scored_at: scoredAt,
  };
  return {
    work,
    kind: 'prediction',
    tag: model.entry.config.name,
    out: { topic: target.topic, key: work.record.key, value: target.encoder.encode(value) },
  };
}

export function deadLetterOutgoing(target: OutputTarget, work: Work, reason: DlqReason, message: string, model: string | undefined, now: number): Outgoing {
  const out = deadLetterRecord(
    target.deadLetterTopic,
    { topic: work.part.topic, partition: work.part.partition, record: work.record, ...(model === undefined ? {} : { model }) },
    reason,
    message,
    now,
  );
  return { work, kind: 'dead-letter', tag: reason, out };
}
