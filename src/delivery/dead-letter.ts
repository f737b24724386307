/**
 * The dead-letter contract: a DLQ record keeps the original key, value and headers byte for byte, and adds
 * `scorer.*` headers saying why and where from. Downstream tooling routes on `scorer.error.reason`
 * (a stable code from DLQ_REASONS), never on the message text. A record the scorer traced (sampled)
 * also names its span in `scorer.traceparent`: its own `traceparent` stays the input's, so a redrive
 * replays the record as it came and a tool can still find the span that failed it.
 */
import { DLQ_REASONS, type DlqReason } from '../errors.ts';
import type { ConsumedRecord, Header, OutgoingRecord } from '../kafka/client.ts';

export const DLQ_HEADERS = {
  reason: 'scorer.error.reason',
  message: 'scorer.error.message',
  topic: 'scorer.source.topic',
  partition: 'scorer.source.partition',
  offset: 'scorer.source.offset',
  model: 'scorer.model',
  failedAt: 'scorer.failed.at',
  traceparent: 'scorer.traceparent',
} as const;

/** Long messages are cut so one bad record cannot make a DLQ record larger than the original. */
const MAX_MESSAGE_CHARS = 1024;

export interface DeadLetterSource {
  readonly topic: string;
  readonly partition: number;
  readonly record: ConsumedRecord;
  /** The id ("name:version") of the model that would have scored it, when one was routed. */
  readonly model?: string;
  /** The W3C traceparent of the record's own span; absent: not sampled. */
  readonly traceparent?: Buffer;
}

export function deadLetterRecord(dlqTopic: string, source: DeadLetterSource, reason: DlqReason, message: string, now: number): OutgoingRecord {
  const text = message.length > MAX_MESSAGE_CHARS ? `${message.slice(0, MAX_MESSAGE_CHARS)}…` : message;
  const added: [string, string][] = [
    [DLQ_HEADERS.reason, reason],
    [DLQ_HEADERS.message, text || DLQ_REASONS[reason]],
    [DLQ_HEADERS.topic, source.topic],
    [DLQ_HEADERS.partition, String(source.partition)],
    [DLQ_HEADERS.offset, String(source.record.offset)],
  ];
  if (source.model !== undefined) added.push([DLQ_HEADERS.model, source.model]);
  added.push([DLQ_HEADERS.failedAt, new Date(now).toISOString()]);
  const headers: Header[] = [...source.record.headers];
  for (const [key, value] of added) headers.push([key, Buffer.from(value)]);
  if (source.traceparent !== undefined) headers.push([DLQ_HEADERS.traceparent, source.traceparent]);
  return { topic: dlqTopic, key: source.record.key, value: source.record.value, headers };
}
