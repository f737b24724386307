/**
 * What an input decoder returns, as a tagged result rather than an event, a thrown error or a promise
 * to tell apart at run time. The cold case names what must be fetched first (an Avro writer schema
 * seen for the first time), so the hot path stays synchronous and allocates no promise.
 */
import type { RecordError } from '../errors.ts';

export type DecodeResult =
  | { readonly kind: 'event'; readonly event: unknown }
  | { readonly kind: 'rejected'; readonly error: RecordError }
  /**
   * `load` fetches what is missing; then decode again. It rejects with RecordError (the record is bad:
   * an unknown schema id) or with a retryable ScorerError (the registry is unreachable: retry, never
   * dead-letter).
   */
  | { readonly kind: 'cold'; readonly what: string; load(): Promise<void> };

export interface InputDecoder {
  decode(value: Buffer): DecodeResult;
}
