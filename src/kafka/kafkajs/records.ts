/** Between kafkajs's record shapes and the interface's neutral ones. */
import type { IHeaders, KafkaMessage, Message } from 'kafkajs';
import { type ConsumedRecord, type Header, NO_HEADERS, type OutgoingRecord } from '../client.ts';

function toBuffer(value: Buffer | string): Buffer {
  return typeof value === 'string' ? Buffer.from(value) : value;
}

/** kafkajs folds a repeated header key into an array; the neutral form keeps one pair per header. */
export function headerPairs(headers: IHeaders | undefined): readonly Header[] {
  if (headers === undefined) return NO_HEADERS;
  const pairs: Header[] = [];
  for (const [key, value] of Object.entries(headers)) {
    if (value === undefined) continue;
    if (Array.isArray(value)) for (const item of value) pairs.push([key, toBuffer(item)]);
    else pairs.push([key, toBuffer(value)]);
  }
  return pairs.length === 0 ? NO_HEADERS : pairs;
}

export function headerObject(headers: readonly Header[]): IHeaders | undefined {
  if (headers.length === 0) return undefined;
  const out: Record<string, Buffer | Buffer[]> = {};
  for (const [key, value] of headers) {
    const seen = out[key];
    if (seen === undefined) out[key] = value;
    else if (Array.isArray(seen)) seen.push(value);
    else out[key] = [seen, value];
  }
  return out;
}

export function consumedRecord(message: KafkaMessage): ConsumedRecord {
  return {
    offset: Number(message.offset),
    timestamp: Number(message.timestamp),
    key: message.key,
    value: message.value,
    headers: headerPairs(message.headers),
  };
}

export function kafkajsMessage(record: OutgoingRecord): Message {
  const headers = headerObject(record.headers);
  return headers === undefined ? { key: record.key, value: record.value } : { key: record.key, value: record.value, headers };
}
