/**
 * How an inference worker turns one record value into the next row of a batch's feature columns.
 *
 * Avro: a reader compiled per (writer schema, feature spec) reads the body straight into the columns and
 * skips what no model uses (avro-columns.ts). A record it cannot vouch for (corrupt, truncated, trailing
 * bytes, a used long from 2^53 on) is decoded by avsc and appended from the event object, as every record
 * was before, so its failure or its values are avsc's own; a schema it cannot compile is all read that
 * way. The DLQ rules are the same on both roads: a decode failure comes before any feature failure, and
 * of the feature failures the first in spec order is reported.
 *
 * JSON: parsed once, the spec's fields picked from the parsed object.
 */
import { compileColumnsReader } from './avro-columns.ts';
import { AvroCursor, UNREADABLE } from './avro-cursor.ts';
import type { Read } from './avro-program.ts';
import type { AvroReader } from './avro-reader.ts';
import { Uncompilable } from './avro-skip.ts';
import { DecodedRow } from './decoded-row.ts';
import type { FeatureColumns } from './feature-columns.ts';
import type { CompiledField } from './feature-fields.ts';
import { decodeJson } from './json.ts';
import { HEADER_BYTES } from './wire-format.ts';

export interface RowDecoder {
  /** 'columns' when a compiled reader reads the bytes; 'avsc' when avsc decodes every record, and why. */
  readonly road: 'columns' | 'avsc' | 'json';
  readonly why?: string;
  /**
   * Appends the features of the value in `values` [start, end) as the next row; throws RecordError, and
   * then nothing was appended. A batch's values lie back to back in one buffer: the compiled road makes
   * no Buffer per record.
   */
  decodeInto(values: Uint8Array, start: number, end: number, columns: FeatureColumns): void;
}

function slice(values: Uint8Array, start: number, end: number): Buffer {
  return Buffer.from(values.buffer, values.byteOffset + start, end - start);
}

export const JSON_ROWS: RowDecoder = {
  road: 'json',
  decodeInto: (values, start, end, columns) => columns.append(decodeJson(slice(values, start, end))),
};

export function avscRows(reader: AvroReader, why: string): RowDecoder {
  return { road: 'avsc', why, decodeInto: (values, start, end, columns) => columns.append(reader.decode(slice(values, start, end))) };
}

function compiledRows(read: Read, fields: number, fallback: RowDecoder): RowDecoder {
  const cursor = new AvroCursor();
  const row = new DecodedRow(fields);
  return {
    road: 'columns',
    decodeInto(values, start, end, columns) {
      cursor.reset(values, start, end, HEADER_BYTES);
      row.clear();
      try {
        read(cursor, row);
        if (cursor.pos !== cursor.end) throw UNREADABLE;
      } catch (error) {
        if (error !== UNREADABLE) throw error;
        fallback.decodeInto(values, start, end, columns);
        return;
      }
      columns.appendRow(row);
    },
  };
}

/** The decoder of `reader`'s writer schema for `fields`: compiled when it can be, else avsc's. */
export function avroRows(reader: AvroReader, fields: readonly CompiledField[]): RowDecoder {
  let read: Read;
  try {
    read = compileColumnsReader(reader.type, fields);
  } catch (error) {
    if (!(error instanceof Uncompilable)) throw error;
    return avscRows(reader, error.message);
  }
  return compiledRows(read, fields.length, avscRows(reader, 'the record needs avsc'));
}
