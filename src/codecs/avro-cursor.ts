/**
 * A position in one Avro binary body (https://avro.apache.org/docs/1.12.0/specification/#binary-encoding),
 * for the column decoder. It reads exactly the bytes avsc reads, and is strict where avsc is lenient or
 * inexact: a length below zero, a union or enum index out of range, a read past the end, or an int or
 * long used as a feature whose zigzag varint reaches 2^53 (beyond it avsc's float arithmetic rounds,
 * and can even flip the sign) throws UNREADABLE. The decoder then hands the record to avsc, so such a
 * record meets exactly what it met before; a valid record never gets there except for those longs.
 */

/** Thrown, preallocated (no stack captured per throw), when avsc must decide what a record is. */
export const UNREADABLE = new Error('the column decoder hands this record to avsc');

const TWO_49 = 2 ** 49;
const TWO_53 = 2 ** 53;

/**
 * Positions are in the ArrayBuffer under the value, and the views over it are made once per buffer: a
 * batch's values lie back to back in one buffer, so that is once per batch. The cursor keeps the last
 * buffer alive until the next one comes.
 */
export class AvroCursor {
  #under: ArrayBufferLike | undefined;
  #bytes: Uint8Array = new Uint8Array(0);
  #view: DataView = new DataView(new ArrayBuffer(0));
  #text: Buffer = Buffer.alloc(0);
  pos = 0;
  end = 0;

  /** Reads the body of the value in `values` [start, end), after its `skip` header bytes. */
  reset(values: Uint8Array, start: number, end: number, skip: number): void {
    if (values.buffer !== this.#under) {
      this.#under = values.buffer;
      this.#bytes = new Uint8Array(values.buffer);
      this.#view = new DataView(values.buffer);
      this.#text = Buffer.from(values.buffer);
    }
    this.pos = values.byteOffset + start + skip;
    this.end = values.byteOffset + end;
  }

  /** The next byte; past the end 0, as avsc reads it there (the final position check sees the overrun). */
  #byte(): number {
    const at = this.pos++;
    return at < this.end ? (this.#bytes[at] as number) : 0;
  }

  /**
   * A zigzag varint, exactly; throws UNREADABLE from 2^53 on (at most 8 bytes are read for that).
   */
  long(): number {
    let b = this.#byte();
    let z = b & 0x7f;
    for (let scale = 128; b & 0x80; scale *= 128) {
      if (scale > TWO_49) throw UNREADABLE;
      b = this.#byte();
      z += (b & 0x7f) * scale;
    }
    if (z >= TWO_53) throw UNREADABLE;
    return z % 2 === 0 ? z / 2 : -(z + 1) / 2;
  }

  /** Skips a varint of any length, as avsc does for a long it reads and a field no model uses. */
  skipLong(): void {
    while (this.#byte() & 0x80);
  }

  /** A string or bytes length, a count: never negative. */
  size(): number {
    const n = this.long();
    if (n < 0) throw UNREADABLE;
    return n;
  }

  /** A union or enum index below `count`. */
  index(count: number): number {
    const i = this.long();
    if (i < 0 || i >= count) throw UNREADABLE;
    return i;
  }

  /** Where the next `n` bytes start, consumed; throws UNREADABLE when they run past the end. */
  take(n: number): number {
    const at = this.pos;
    this.pos = at + n;
    if (this.pos > this.end) throw UNREADABLE;
    return at;
  }

  /** Any byte but 0 is true, as avsc reads it. */
  boolean(): boolean {
    return this.#bytes[this.take(1)] !== 0;
  }

  float(): number {
    return this.#view.getFloat32(this.take(4), true);
  }

  double(): number {
    return this.#view.getFloat64(this.take(8), true);
  }

  /** UTF-8 with replacement characters for bad sequences, as avsc decodes it (Buffer's utf8Slice). */
  string(): string {
    const n = this.size();
    const at = this.take(n);
    return this.#text.toString('utf8', at, at + n);
  }

  /** Skips a string or bytes value. */
  skipSized(): void {
    this.take(this.size());
  }

  /**
   * The item count of an array or map block, as avsc reads it: 0 ends the value; a negative count is
   * followed by the block's size in bytes, which avsc skips and so do we (the items are read one by one).
   */
  block(): number {
    const n = this.long();
    if (n >= 0) return n;
    this.skipLong();
    return -n;
  }
}
