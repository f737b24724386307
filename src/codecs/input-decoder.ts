/**
 * The codecs behind the pipeline's per-topic decoder and the output encoder, in the shapes it calls.
 *
 * A decoder returns the event synchronously when it can, and a promise only when a cold cache must be
 * filled first (an Avro schema id seen for the first time), so the hot path allocates no promise.
 */

import type { InputDecoder } from '../pipeline/routes.ts';
import type { AvroDecoder } from './avro.ts';
import { decodeJson, encodeJson } from './json.ts';

/** Rejects with ScorerError SCHEMA_REGISTRY (retryable) while the registry cannot be reached. */
export function avroInput(avro: AvroDecoder): InputDecoder {
  return {
    decode(value) {
      const schemaId = avro.schemaIdOf(value);
      if (avro.isCached(schemaId)) return avro.decode(value);
      return avro.load(schemaId).then(() => avro.decode(value));
    },
  };
}

export function jsonInput(): InputDecoder {
  return { decode: decodeJson };
}

/** Any object encodes as JSON, so this satisfies the pipeline's RecordEncoder and more. */
export function jsonOutput(): { encode(value: object): Buffer } {
  return { encode: encodeJson };
}
