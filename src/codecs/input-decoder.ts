/**
 * The input decoders (Avro through the registry, JSON) and the JSON output encoder, in the shapes the
 * service calls. Record errors become `rejected` results here, so nothing above has to catch them.
 */
import { RecordError } from '../errors.ts';
import type { AvroDecoder } from './avro.ts';
import type { DecodeResult, InputDecoder } from './decoder.ts';
import { decodeJson, encodeJson } from './json.ts';

function attempt(decode: () => unknown): DecodeResult {
  try {
    return { kind: 'event', event: decode() };
  } catch (error) {
    if (error instanceof RecordError) return { kind: 'rejected', error };
    throw error;
  }
}

export function avroInput(avro: AvroDecoder): InputDecoder {
  return {
    decode(value) {
      let schemaId: number;
      try {
        schemaId = avro.schemaIdOf(value);
      } catch (error) {
        if (error instanceof RecordError) return { kind: 'rejected', error };
        throw error;
      }
      if (avro.isCached(schemaId)) return attempt(() => avro.decode(value));
      return { kind: 'cold', what: `writer schema ${schemaId}`, load: () => avro.load(schemaId) };
    },
  };
}

export function jsonInput(): InputDecoder {
  return { decode: (value) => attempt(() => decodeJson(value)) };
}

/** Any object encodes as JSON, so this satisfies the RecordEncoder of predictions and more. */
export function jsonOutput(): { encode(value: object): Buffer } {
  return { encode: encodeJson };
}
