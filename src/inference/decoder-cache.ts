/**
 * The worker's row decoders, one per (writer schema id, model), each compiled on first use. Schema ids
 * never change meaning, so an entry never goes stale; the cache is bounded all the same (a topic whose
 * producers keep registering new schema versions would otherwise grow it without end): past `max`
 * entries the least recently used goes, and is compiled again if it comes back.
 */
import { AvroReader } from '../codecs/avro-reader.ts';
import type { CompiledField } from '../codecs/feature-fields.ts';
import { avroRows, type RowDecoder } from '../codecs/row-decoder.ts';

export const MAX_DECODERS = 64;

export class DecoderCache {
  readonly #max: number;
  readonly #entries = new Map<string, RowDecoder>();

  constructor(max = MAX_DECODERS) {
    this.#max = max;
  }

  get size(): number {
    return this.#entries.size;
  }

  /** The decoder of writer schema `schemaId` (whose text is `schema`) for model `model`'s `fields`. */
  get(schemaId: number, schema: string, model: string, fields: readonly CompiledField[]): RowDecoder {
    const key = `${schemaId}\u0000${model}`;
    let decoder = this.#entries.get(key);
    if (decoder !== undefined) {
      // Map keeps insertion order: moving a hit to the end keeps the oldest entry the least recently used.
      this.#entries.delete(key);
    } else {
      decoder = avroRows(AvroReader.fromSchema(schemaId, schema), fields);
      if (this.#entries.size >= this.#max) this.#entries.delete(this.#entries.keys().next().value as string);
    }
    this.#entries.set(key, decoder);
    return decoder;
  }
}
