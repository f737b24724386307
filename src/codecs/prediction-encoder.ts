/**
 * Writes every prediction of a batch back to back into one buffer (the inference worker does this, so no
 * object per prediction crosses to the Kafka thread): Avro in the Confluent wire format, each record
 * with its 5-byte header, or one JSON object per record. The buffer is a plain ArrayBuffer of its own,
 * never Node's pooled slab, because it is transferred to the main thread, which hands out views of it.
 */
import type { Type } from 'avsc';
import avsc from 'avsc';
import { ScorerError } from '../errors.ts';
import type { PredictionValue } from './prediction.ts';
import { HEADER_BYTES, writeHeader } from './wire-format.ts';

export type OutputSpec = { readonly format: 'json' } | { readonly format: 'avro'; readonly schemaId: number; readonly schema: string };

export interface EncodedBatch {
  readonly bytes: Uint8Array<ArrayBuffer>;
  /** ends[i]: where row i's record ends in `bytes`; a row written nothing for ends where the one before does. */
  readonly ends: Int32Array<ArrayBuffer>;
}

const BYTES_PER_ROW_GUESS = 160;

export class PredictionWriter {
  readonly #type: Type | undefined;
  readonly #schemaId: number;

  constructor(spec: OutputSpec) {
    this.#type = spec.format === 'avro' ? avsc.Type.forSchema(JSON.parse(spec.schema) as Parameters<typeof avsc.Type.forSchema>[0]) : undefined;
    this.#schemaId = spec.format === 'avro' ? spec.schemaId : -1;
  }

  /** One batch's writing: `write` or `skip` each row in order, then `finish`. */
  batch(rows: number): BatchWriting {
    return new BatchWriting(this.#type, this.#schemaId, rows);
  }
}

export class BatchWriting {
  readonly #type: Type | undefined;
  readonly #schemaId: number;
  readonly #ends: Int32Array<ArrayBuffer>;
  #memory: ArrayBuffer;
  #buf: Buffer;
  #pos = 0;
  #row = 0;

  constructor(type: Type | undefined, schemaId: number, rows: number) {
    this.#type = type;
    this.#schemaId = schemaId;
    this.#ends = new Int32Array(rows);
    this.#memory = new ArrayBuffer(Math.max(1024, rows * BYTES_PER_ROW_GUESS));
    this.#buf = Buffer.from(this.#memory);
  }

  /** Throws ScorerError SCORER_ERR_ENCODE when the value does not fit the schema; the row is then skipped. */
  write(value: PredictionValue): void {
    try {
      if (this.#type === undefined) this.#writeJson(value);
      else this.#writeAvro(this.#type, value);
    } catch (error) {
      this.skip();
      throw new ScorerError('SCORER_ERR_ENCODE', `the prediction does not fit the output schema: ${error instanceof Error ? error.message : String(error)}`, {
        cause: error,
      });
    }
    this.#ends[this.#row++] = this.#pos;
  }

  skip(): void {
    this.#ends[this.#row++] = this.#pos;
  }

  finish(): EncodedBatch {
    return { bytes: new Uint8Array(this.#memory, 0, this.#pos), ends: this.#ends };
  }

  #writeAvro(type: Type, value: PredictionValue): void {
    for (;;) {
      this.#reserve(HEADER_BYTES + 1);
      // avsc returns minus the missing byte count when the buffer is too small.
      const end = type.encode(value, this.#buf, this.#pos + HEADER_BYTES);
      if (end > 0) {
        writeHeader(this.#buf.subarray(this.#pos), this.#schemaId);
        this.#pos = end;
        return;
      }
      this.#grow(this.#buf.length - end);
    }
  }

  #writeJson(value: PredictionValue): void {
    const text = JSON.stringify(value);
    this.#reserve(Buffer.byteLength(text));
    this.#pos += this.#buf.write(text, this.#pos);
  }

  #reserve(bytes: number): void {
    if (this.#pos + bytes > this.#buf.length) this.#grow(this.#pos + bytes);
  }

  #grow(atLeast: number): void {
    const memory = new ArrayBuffer(Math.max(atLeast, this.#buf.length * 2));
    const next = Buffer.from(memory);
    this.#buf.copy(next, 0, 0, this.#pos);
    this.#memory = memory;
    this.#buf = next;
  }
}
