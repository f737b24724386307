/**
 * JSON values: UTF-8 text holding one JSON object per record.
 */

import { RecordError } from '../errors.ts';

// fatal: bytes that are not UTF-8 are a bad record, not text to repair with U+FFFD (RFC 8259 §8.1).
const utf8 = new TextDecoder('utf-8', { fatal: true });

function kindOf(value: unknown): string {
  if (value === null) return 'null';
  return Array.isArray(value) ? 'array' : typeof value;
}

/** Throws RecordError JSON_DECODE for bytes that are not UTF-8 JSON, or JSON that is not an object. */
export function decodeJson(value: Buffer): Record<string, unknown> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(utf8.decode(value));
  } catch (err) {
    throw new RecordError('JSON_DECODE', `value is not valid UTF-8 JSON: ${(err as Error).message}`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new RecordError('JSON_DECODE', `value is JSON but not an object (got ${kindOf(parsed)})`);
  }
  return parsed as Record<string, unknown>;
}

export function encodeJson(value: object): Buffer {
  return Buffer.from(JSON.stringify(value), 'utf8');
}
