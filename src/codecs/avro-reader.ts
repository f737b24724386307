/**
 * Decodes the records of one Avro writer schema from Confluent wire-format values. Pure (no registry),
 * so the main thread and the inference workers build the same reader from the same schema text.
 *
 * avsc's long type decodes to a JS number and refuses a long beyond ±2^53 ("potential precision loss")
 * although the record is valid Avro. Such a record is decoded again with a type whose longs are exact (a
 * bigint beyond ±2^53); it is slower, so it is only built, and only used, for a record that needs it.
 */
import type { Type } from 'avsc';
import avsc from 'avsc';
import { RecordError } from '../errors.ts';
import { HEADER_BYTES } from './wire-format.ts';

const MIN_SAFE = BigInt(Number.MIN_SAFE_INTEGER);
const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);

const EXACT_LONG = avsc.types.LongType.__with({
  fromBuffer: (buf: Buffer) => {
    const n = buf.readBigInt64LE();
    return n >= MIN_SAFE && n <= MAX_SAFE ? Number(n) : n;
  },
  toBuffer: (n: number | bigint) => {
    const buf = Buffer.alloc(8);
    buf.writeBigInt64LE(BigInt(n));
    return buf;
  },
  fromJSON: (n: number | string) => BigInt(n),
  toJSON: (n: number | bigint) => Number(n),
  isValid: (n: unknown) => typeof n === 'bigint' || Number.isSafeInteger(n),
  compare: (a: number | bigint, b: number | bigint) => (a === b ? 0 : a < b ? -1 : 1),
});

type Schema = Parameters<typeof avsc.Type.forSchema>[0];

const isLong = (schema: unknown) => schema === 'long' || (typeof schema === 'object' && schema !== null && (schema as { type?: unknown }).type === 'long');

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

export class AvroReader {
  readonly schemaId: number;
  /** The writer schema as JSON text: what the workers build their own reader from. */
  readonly schema: string;
  readonly #type: Type;
  #exact: Type | undefined;

  private constructor(schemaId: number, schema: string, type: Type) {
    this.schemaId = schemaId;
    this.schema = schema;
    this.#type = type;
  }

  /** Throws when `schema` is not an Avro schema (avsc's message). */
  static fromSchema(schemaId: number, schema: string): AvroReader {
    return new AvroReader(schemaId, schema, avsc.Type.forSchema(JSON.parse(schema) as Schema));
  }

  static fromType(schemaId: number, type: Type): AvroReader {
    return new AvroReader(schemaId, JSON.stringify(type.schema()), type);
  }

  /** The avsc type of the writer schema, which the column decoders are compiled from. */
  get type(): Type {
    return this.#type;
  }

  /** Decodes one whole wire-format value of this schema; throws RecordError AVRO_DECODE for anything else. */
  decode(value: Buffer): unknown {
    let decoded: { value: unknown; offset: number };
    try {
      decoded = this.#type.decode(value, HEADER_BYTES);
    } catch (err) {
      if (!messageOf(err).includes('potential precision loss')) {
        throw new RecordError('AVRO_DECODE', `schema id ${this.schemaId}: corrupt Avro body: ${messageOf(err)}`);
      }
      decoded = this.#decodeExactly(value);
    }
    if (decoded.offset < 0) throw new RecordError('AVRO_DECODE', `schema id ${this.schemaId}: Avro body is truncated`);
    if (decoded.offset !== value.length) {
      throw new RecordError('AVRO_DECODE', `schema id ${this.schemaId}: ${value.length - decoded.offset} bytes of trailing data after the record`);
    }
    return decoded.value;
  }

  // The bytes after the long that sent the record here can still be corrupt: that is the record's fault
  // too (AVRO_DECODE), not the batch's.
  #decodeExactly(value: Buffer): { value: unknown; offset: number } {
    this.#exact ??= avsc.Type.forSchema(this.#type.schema() as Schema, { typeHook: (s) => (isLong(s) ? EXACT_LONG : undefined) });
    try {
      return this.#exact.decode(value, HEADER_BYTES);
    } catch (err) {
      throw new RecordError('AVRO_DECODE', `schema id ${this.schemaId}: corrupt Avro body: ${messageOf(err)}`);
    }
  }
}
