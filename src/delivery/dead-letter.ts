/**
 * The dead-letter contract: a DLQ record keeps the original key, value and headers byte for byte, and adds
 * `scorer.*` headers saying why and where from. Downstream tooling routes on `scorer.error.reason`
 * (a stable code from DLQ_REASONS), never on the message text. Both ways: written by the scorer, read back
 * by the redrive command. A record the scorer traced (sampled) also names its span in
 * `scorer.traceparent`: its own `traceparent` stays the input's, so a redrive replays the record as it
 * came and a tool can still find the span that failed it.
 */
import { DLQ_REASONS, type DlqReason, isDlqReason } from '../errors.ts';
import type { ConsumedRecord, Header, OutgoingRecord, TopicPartition } from '../kafka/client.ts';

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

/** A DLQ record read back: why it failed, where it came from, and the original record. */
export interface DeadLetter {
  readonly reason: DlqReason;
  readonly source: TopicPartition & { readonly offset: number };
  readonly model?: string;
  /** `scorer.failed.at` in milliseconds; undefined when unreadable. */
  readonly failedAt?: number;
  /** The DLQ record's own timestamp (when it was dead-lettered: the original's is not kept). */
  readonly timestamp: number;
  /** Key, value and headers as the source record had them (this contract's headers removed), at its source offset. */
  readonly original: ConsumedRecord;
}

const ADDED = new Set<string>(Object.values(DLQ_HEADERS));

/** Undefined when the record lacks a known reason or a readable source: it is not one of the scorer's dead letters. */
export function readDeadLetter(record: ConsumedRecord): DeadLetter | undefined {
  const added = new Map<string, string>();
  const headers: Header[] = [];
  for (const header of record.headers) {
    if (ADDED.has(header[0])) added.set(header[0], header[1].toString('utf8'));
    else headers.push(header);
  }
  const reason = added.get(DLQ_HEADERS.reason) ?? '';
  const topic = added.get(DLQ_HEADERS.topic);
  const partition = Number(added.get(DLQ_HEADERS.partition) ?? Number.NaN);
  const offset = Number(added.get(DLQ_HEADERS.offset) ?? Number.NaN);
  if (!isDlqReason(reason) || topic === undefined || !Number.isSafeInteger(partition) || !Number.isSafeInteger(offset)) return undefined;
  const failedAt = Date.parse(added.get(DLQ_HEADERS.failedAt) ?? '');
  const model = added.get(DLQ_HEADERS.model);
  return {
    reason,
    source: { topic, partition, offset },
    ...(model === undefined ? {} : { model }),
    ...(Number.isNaN(failedAt) ? {} : { failedAt }),
    timestamp: record.timestamp,
    original: { offset, timestamp: record.timestamp, key: record.key, value: record.value, headers },
  };
}
