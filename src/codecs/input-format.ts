/**
 * What the main thread checks of an input record before it goes to a model: the value's format and,
 * for Avro, that its writer schema is known. Decoding itself happens in the inference workers, off the
 * Kafka thread; the main thread only reads the 5-byte header. The result is tagged rather than thrown or
 * a promise to tell apart at run time: the cold case names what must be fetched first (a writer schema
 * seen for the first time), so the hot path stays synchronous and allocates no promise.
 */
import { RecordError } from '../errors.ts';
import type { AvroDecoder } from './avro.ts';

/** The writer schema id of a JSON record: none. */
export const JSON_RECORD = -1;

export type Readiness =
  /** `schemaId` is the Avro writer schema's id, or JSON_RECORD. */
  | { readonly kind: 'ready'; readonly schemaId: number }
  | { readonly kind: 'rejected'; readonly error: RecordError }
  /**
   * `load` fetches what is missing; then check again. It rejects with RecordError (the record is bad:
   * an unknown schema id) or with a retryable ScorerError (the registry is unreachable: retry, never
   * dead-letter).
   */
  | { readonly kind: 'cold'; readonly what: string; load(): Promise<void> };

export interface InputFormat {
  check(value: Buffer): Readiness;
  /** The text of a writer schema `check` said is ready. */
  writerSchema(schemaId: number): string;
}

const JSON_READY: Readiness = Object.freeze({ kind: 'ready', schemaId: JSON_RECORD });

export function jsonFormat(): InputFormat {
  return {
    check: () => JSON_READY,
    writerSchema: () => {
      throw new Error('a JSON record has no writer schema');
    },
  };
}

export function avroFormat(avro: AvroDecoder): InputFormat {
  // One ready result per schema id: the hot path allocates nothing.
  const ready = new Map<number, Readiness>();
  return {
    check(value) {
      let schemaId: number;
      try {
        schemaId = avro.schemaIdOf(value);
      } catch (error) {
        if (error instanceof RecordError) return { kind: 'rejected', error };
        throw error;
      }
      const known = ready.get(schemaId);
      if (known !== undefined) return known;
      if (!avro.isCached(schemaId)) return { kind: 'cold', what: `writer schema ${schemaId}`, load: () => avro.load(schemaId) };
      const result: Readiness = Object.freeze({ kind: 'ready', schemaId });
      ready.set(schemaId, result);
      return result;
    },
    writerSchema(schemaId) {
      const reader = avro.reader(schemaId);
      if (reader === undefined) throw new Error(`writer schema ${schemaId} is not loaded`);
      return reader.schema;
    },
  };
}
