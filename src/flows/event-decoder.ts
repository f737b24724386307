/**
 * A flow's records as event objects, since hooks and routing see whole events, not feature columns:
 * Avro through avsc with the writer schema the request carries (one reader per schema id per thread,
 * built on first use), JSON parsed. The codecs are the plain path's own (avro-reader.ts, json.ts), so a
 * bad record fails with the same DLQ reason and message either way.
 */
import { AvroReader } from '../codecs/avro-reader.ts';
import { JSON_RECORD } from '../codecs/input-format.ts';
import { decodeJson } from '../codecs/json.ts';
import { RecordError } from '../errors.ts';
import type { HookEvent } from './hook-api.ts';

/** As for the row decoders (decoder-cache.ts): ids are immutable, but a topic may keep registering new ones. */
export const MAX_READERS = 64;

export class EventDecoder {
  readonly #readers = new Map<number, AvroReader>();

  get size(): number {
    return this.#readers.size;
  }

  /**
   * The event in `values` [start, end), of writer schema `schemaId` (JSON_RECORD for JSON), whose text
   * `schemas` holds (by id, as a request carries them). Throws RecordError (AVRO_DECODE, JSON_DECODE)
   * for a bad record; a plain Error when the schema's text is missing, a bug in the request's builder.
   */
  decode(values: Uint8Array, start: number, end: number, schemaId: number, schemas: Readonly<Record<number, string>>): HookEvent {
    const value = Buffer.from(values.buffer, values.byteOffset + start, end - start);
    if (schemaId === JSON_RECORD) return decodeJson(value);
    const event = this.#reader(schemaId, schemas).decode(value);
    if (typeof event !== 'object' || event === null) {
      throw new RecordError('AVRO_DECODE', `schema id ${schemaId}: the value is a ${typeof event}, not a record a flow can route`);
    }
    return event as HookEvent;
  }

  #reader(schemaId: number, schemas: Readonly<Record<number, string>>): AvroReader {
    let reader = this.#readers.get(schemaId);
    if (reader === undefined) {
      const text = schemas[schemaId];
      if (text === undefined) throw new Error(`the request carries no text for writer schema ${schemaId}`);
      // Oldest first out: a flow's batches use a handful of ids, so recency bookkeeping would buy nothing.
      if (this.#readers.size >= MAX_READERS) this.#readers.delete(this.#readers.keys().next().value as number);
      reader = AvroReader.fromSchema(schemaId, text);
      this.#readers.set(schemaId, reader);
    }
    return reader;
  }
}
