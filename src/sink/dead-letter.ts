/**
 * The dead-letter contract: a DLQ record keeps the original key, value and headers byte for byte, and adds
 * `scorer.*` headers saying why and where from. Downstream tooling routes on `scorer.error.reason`
 * (a stable code from DLQ_REASONS), never on the message text.
 */
import { DLQ_REASONS, type DlqReason } from '../errors.ts';
import type { InputRecord } from '../ingest/types.ts';
import type { OutRecord } from './types.ts';

export const DLQ_HEADERS = {
  reason: 'scorer.error.reason',
  message: 'scorer.error.message',
  topic: 'scorer.source.topic',
  partition: 'scorer.source.partition',
  offset: 'scorer.source.offset',
  model: 'scorer.model',
  failedAt: 'scorer.failed.at',
} as const;

/** Long messages are cut so one bad record cannot make a DLQ record larger than the original. */
const MAX_MESSAGE_CHARS = 1024;

export interface DeadLetterSource {
  readonly topic: string;
  readonly partition: number;
  readonly record: InputRecord;
  /** "name:version" of the model that would have scored it, when one was routed. */
  readonly model?: string;
}

export function deadLetterRecord(dlqTopic: string, source: DeadLetterSource, reason: DlqReason, message: string, now: number): OutRecord {
  const text = message.length > MAX_MESSAGE_CHARS ? `${message.slice(0, MAX_MESSAGE_CHARS)}…` : message;
  const headers: Record<string, Buffer | string | (Buffer | string)[] | undefined> = { ...source.record.headers };
  headers[DLQ_HEADERS.reason] = reason;
  headers[DLQ_HEADERS.message] = text || DLQ_REASONS[reason];
  headers[DLQ_HEADERS.topic] = source.topic;
  headers[DLQ_HEADERS.partition] = String(source.partition);
  headers[DLQ_HEADERS.offset] = source.record.offset;
  if (source.model !== undefined) headers[DLQ_HEADERS.model] = source.model;
  headers[DLQ_HEADERS.failedAt] = new Date(now).toISOString();
  return { topic: dlqTopic, key: source.record.key, value: source.record.value, headers };
}
