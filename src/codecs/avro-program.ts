/**
 * A compiled reader as a flat list of steps run by one loop: a record's fields (nested records' fields
 * spliced in) are a sequence, so the common case (primitives, and unions of null and a primitive) runs
 * with no call per field and writes numbers unboxed. Whatever is not a flat step (general unions,
 * values read only as a kind, recursive types) is a `call` step with its own reader.
 */
import type { AvroCursor } from './avro-cursor.ts';
import type { DecodedRow } from './decoded-row.ts';

/** Reads one value into the row (a call step, or a whole program). */
export type Read = (c: AvroCursor, row: DecodedRow) => void;

export const SKIP_BYTES = 0;
export const SKIP_LONG = 1;
export const SKIP_SIZED = 2;
export const CALL = 3;
export const BOOLEAN = 4;
export const LONG = 5;
export const FLOAT = 6;
export const DOUBLE = 7;
export const STRING = 8;
export const ENUM = 9;
/** Puts `constant` (a stand-in: a record read as a kind) and reads nothing. */
export const CONSTANT = 10;

export interface Step {
  readonly op: number;
  /** The spec fields the value goes to (none for skips). */
  readonly fields: readonly number[];
  /** SKIP_BYTES: how many. */
  readonly size: number;
  /** A union of null and this step's value: the branch index of null; -1 when not a union. */
  readonly nullAt: number;
  readonly symbols: readonly string[];
  readonly read: Read | undefined;
  readonly constant: unknown;
}

const NONE: readonly number[] = [];

export function step(op: number, fields: readonly number[] = NONE, extra: Partial<Step> = {}): Step {
  return { op, fields, size: 0, nullAt: -1, symbols: NONE as never, read: undefined, constant: undefined, ...extra };
}

function put(s: Step, row: DecodedRow, value: unknown): void {
  for (let i = 0; i < s.fields.length; i++) row.other(s.fields[i] as number, value);
}

function putNumber(s: Step, row: DecodedRow, value: number): void {
  for (let i = 0; i < s.fields.length; i++) row.number(s.fields[i] as number, value);
}

export function run(steps: readonly Step[], c: AvroCursor, row: DecodedRow): void {
  for (let k = 0; k < steps.length; k++) {
    const s = steps[k] as Step;
    if (s.nullAt >= 0 && c.index(2) === s.nullAt) continue;
    switch (s.op) {
      case SKIP_BYTES:
        c.take(s.size);
        break;
      case SKIP_LONG:
        c.skipLong();
        break;
      case SKIP_SIZED:
        c.skipSized();
        break;
      case CALL:
        (s.read as Read)(c, row);
        break;
      case BOOLEAN:
        put(s, row, c.boolean());
        break;
      case LONG:
        putNumber(s, row, c.long());
        break;
      case FLOAT:
        putNumber(s, row, c.float());
        break;
      case DOUBLE:
        putNumber(s, row, c.double());
        break;
      case STRING:
        put(s, row, c.string());
        break;
      case ENUM:
        put(s, row, s.symbols[c.index(s.symbols.length)]);
        break;
      case CONSTANT:
        put(s, row, s.constant);
        break;
    }
  }
}
