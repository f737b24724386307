/** Checks on a record that need no decoding: a tombstone or an oversized value goes to the DLQ as is. */
import { RecordError } from '../errors.ts';

/** The rejection, or undefined when the bytes may be decoded. */
export function screen(value: Buffer | null, maxRecordBytes: number): RecordError | undefined {
  if (value === null) return new RecordError('TOMBSTONE', 'record value is null (tombstone)');
  if (value.length > maxRecordBytes) {
    return new RecordError('OVERSIZED', `record value is ${value.length} bytes, over limits.maxRecordBytes (${maxRecordBytes})`);
  }
  return undefined;
}
