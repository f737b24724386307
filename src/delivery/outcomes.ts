/**
 * Builds what leaves the service for a record: a prediction keyed by the input key (its value, with the
 * full lineage consumers de-duplicate by, encoded by the worker), or a dead-letter record.
 */
import type { RecordTrace } from '../core/trace.ts';
import type { DlqReason } from '../errors.ts';
import { type ConsumedRecord, NO_HEADERS } from '../kafka/client.ts';
import { deadLetterRecord } from './dead-letter.ts';
import type { OutcomeSource, Outgoing } from './outgoing.ts';

export interface OutputTarget {
  readonly topic: string;
  readonly deadLetterTopic: string;
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

/** A sampled record's own traceparent, which its dead letter names beside the input's headers. */
function spanOf(trace: RecordTrace | undefined): { traceparent?: Buffer } {
  const own = trace?.sampled ? trace.headers.find(([key]) => key === 'traceparent') : undefined;
  return own === undefined ? {} : { traceparent: own[1] };
}

/** `value` is the prediction as the inference worker encoded it (schemas/prediction.avsc, or JSON). */
export function predictionOutgoing(target: OutputTarget, model: ModelIdentity, origin: InputOrigin, value: Buffer): Outgoing {
  return {
    source: origin,
    kind: 'prediction',
    tag: model.id,
    record: { topic: target.topic, key: origin.record.key, value, headers: origin.trace?.headers ?? NO_HEADERS },
  };
}

export function deadLetterOutgoing(
  target: OutputTarget,
  origin: InputOrigin,
  reason: DlqReason,
  message: string,
  model: string | undefined,
  now: number,
): Outgoing {
  const source = {
    topic: origin.topic,
    partition: origin.partition,
    record: origin.record,
    ...(model === undefined ? {} : { model }),
    ...spanOf(origin.trace),
  };
  return { source: origin, kind: 'dead-letter', tag: reason, record: deadLetterRecord(target.deadLetterTopic, source, reason, message, now) };
}
