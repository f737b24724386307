/**
 * Turns one consumed record into work for a batcher, or into a dead-letter outcome. Bad input never
 * throws out of here: every RecordError becomes a DLQ record with its reason (the stream goes on).
 * Only a retryable infrastructure error (schema registry down) escapes, for the caller to retry.
 */
import { RecordError } from '../errors.ts';
import type { InputRoute } from './routes.ts';
import type { Work } from './work.ts';

/** A class, not a shape: a decoded event may well have a field called `error`. */
export class Rejection {
  readonly error: RecordError;
  constructor(error: RecordError) {
    this.error = error;
  }
}

export type Admitted = Work | Rejection;

export interface AdmissionLimits {
  readonly maxRecordBytes: number;
}

/** Checks that need no decoding. Returns the rejection, or undefined when the bytes may be decoded. */
export function screen(value: Buffer | null, limits: AdmissionLimits): RecordError | undefined {
  if (value === null) return new RecordError('TOMBSTONE', 'record value is null (tombstone)');
  if (value.length > limits.maxRecordBytes) {
    return new RecordError('OVERSIZED', `record value is ${value.length} bytes, over limits.maxRecordBytes (${limits.maxRecordBytes})`);
  }
  return undefined;
}

/** Decoded event → features, or a rejection. `decoded` is what the route's decoder returned. */
export function toWork(work: Work, route: InputRoute, decoded: unknown): Admitted {
  try {
    work.row = route.model.mapper.extract(decoded);
    return work;
  } catch (error) {
    if (error instanceof RecordError) return new Rejection(error);
    throw error;
  }
}

/** Runs the decoder; a RecordError becomes a rejection, anything else propagates. */
export function decodeOrReject(route: InputRoute, value: Buffer): unknown | Promise<unknown> | Rejection {
  try {
    const decoded = route.decoder.decode(value);
    if (decoded instanceof Promise) {
      return decoded.catch((error: unknown) => {
        if (error instanceof RecordError) return new Rejection(error);
        throw error;
      });
    }
    return decoded;
  } catch (error) {
    if (error instanceof RecordError) return new Rejection(error);
    throw error;
  }
}
