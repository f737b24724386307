/**
 * One record's values for a model's spec fields, as a compiled decoder read them from the bytes, before
 * the spec's rules turn them into tensor elements: what `readPath` would have found in avsc's event,
 * without the event. Numbers stay unboxed in a Float64Array; strings, booleans and the stand-ins for
 * objects sit in `others`. Reused for every record: `clear` marks every field absent again.
 */

const ABSENT = 0;
export const NUMBER = 1;
const OTHER = 2;

export class DecodedRow {
  /** Per field: absent, NUMBER (in `numbers`) or another value. */
  readonly kinds: Uint8Array;
  readonly numbers: Float64Array;
  readonly #others: unknown[];

  constructor(fields: number) {
    this.kinds = new Uint8Array(fields);
    this.numbers = new Float64Array(fields);
    this.#others = new Array<unknown>(fields).fill(undefined);
  }

  clear(): void {
    this.kinds.fill(ABSENT);
  }

  number(field: number, value: number): void {
    this.numbers[field] = value;
    this.kinds[field] = NUMBER;
  }

  /** A present value that is not a number: never null or undefined (those are absent). */
  other(field: number, value: unknown): void {
    this.#others[field] = value;
    this.kinds[field] = OTHER;
  }

  /** Field `field`'s value, or undefined when the record has none. */
  value(field: number): unknown {
    const kind = this.kinds[field];
    if (kind === NUMBER) return this.numbers[field];
    return kind === OTHER ? this.#others[field] : undefined;
  }
}
