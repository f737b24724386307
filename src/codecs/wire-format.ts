/**
 * The Confluent wire format shared by every serializer that talks to a schema registry:
 * byte 0 is the magic byte 0, bytes 1-4 the schema id (big-endian, signed 32-bit), then the body.
 * https://docs.confluent.io/platform/current/schema-registry/fundamentals/serdes-develop/index.html#wire-format
 */

import { RecordError } from '../errors.ts';

export const MAGIC_BYTE = 0;
export const HEADER_BYTES = 5;

/** The schema id in a record value; throws the record-level error that sends it to the DLQ. */
export function readSchemaId(value: Buffer): number {
  if (value.length === 0) {
    throw new RecordError('AVRO_DECODE', 'value is empty; expected a 5-byte Confluent wire-format header');
  }
  if (value[0] !== MAGIC_BYTE) {
    throw new RecordError('BAD_MAGIC_BYTE', `value starts with byte ${value[0]}, expected magic byte ${MAGIC_BYTE}`);
  }
  if (value.length < HEADER_BYTES) {
    throw new RecordError('AVRO_DECODE', `value is ${value.length} bytes, shorter than the ${HEADER_BYTES}-byte wire-format header`);
  }
  return value.readInt32BE(1);
}

/** Writes the header into the first 5 bytes of `target`. */
export function writeHeader(target: Buffer, schemaId: number): void {
  target[0] = MAGIC_BYTE;
  target.writeInt32BE(schemaId, 1);
}
