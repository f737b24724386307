/**
 * A growable buffer that writes Avro's binary encoding by hand, for records whose shape is fixed in the
 * code (the feature log): no object per record, and parts known up front (a map's keys) are copied as
 * bytes encoded once. The memory is a plain ArrayBuffer of its own, never Node's pooled slab, because it
 * is transferred to the main thread. https://avro.apache.org/docs/1.12.0/specification/#binary-encoding
 */

export class AvroOut {
  #memory: ArrayBuffer;
  #buf: Buffer;
  #view: DataView;
  #pos = 0;

  constructor(capacity: number) {
    this.#memory = new ArrayBuffer(Math.max(256, capacity));
    this.#buf = Buffer.from(this.#memory);
    this.#view = new DataView(this.#memory);
  }

  get position(): number {
    return this.#pos;
  }

  /** The bytes written so far, as a view of the one buffer. */
  bytes(): Uint8Array<ArrayBuffer> {
    return new Uint8Array(this.#memory, 0, this.#pos);
  }

  /** An int or a long: zig-zag, then base-128 varint. Exact for every safe integer. */
  long(value: number): void {
    this.#reserve(10);
    // Arithmetic, not bit operators, which would cut the value to 32 bits.
    let n = value >= 0 ? value * 2 : -value * 2 - 1;
    while (n >= 0x80) {
      this.#buf[this.#pos++] = (n % 0x80) | 0x80;
      n = Math.floor(n / 0x80);
    }
    this.#buf[this.#pos++] = n;
  }

  double(value: number): void {
    this.#reserve(8);
    this.#view.setFloat64(this.#pos, value, true);
    this.#pos += 8;
  }

  boolean(value: boolean): void {
    this.#reserve(1);
    this.#buf[this.#pos++] = value ? 1 : 0;
  }

  string(value: string): void {
    const length = Buffer.byteLength(value);
    this.long(length);
    this.#reserve(length);
    this.#pos += this.#buf.write(value, this.#pos);
  }

  bytesField(value: Uint8Array): void {
    this.long(value.length);
    this.raw(value);
  }

  /** A union of null and a string: branch 0 for null, 1 for the string. */
  nullableString(value: string | null): void {
    if (value === null) this.long(0);
    else {
      this.long(1);
      this.string(value);
    }
  }

  /** Bytes already in Avro form. */
  raw(bytes: Uint8Array): void {
    this.#reserve(bytes.length);
    this.#buf.set(bytes, this.#pos);
    this.#pos += bytes.length;
  }

  /**
   * Bytes already in Avro form with doubles left open: `doubles[k]` is written at `offsets[k]` within
   * them (a map whose keys never change: its entries copied at once, only the values written).
   */
  template(bytes: Uint8Array, offsets: readonly number[], doubles: Float64Array): void {
    this.#reserve(bytes.length);
    const at = this.#pos;
    this.#buf.set(bytes, at);
    for (let k = 0; k < offsets.length; k++) this.#view.setFloat64(at + (offsets[k] as number), doubles[k] as number, true);
    this.#pos += bytes.length;
  }

  /** Room for `bytes` at the current position, written by `fill` (the 5-byte wire-format header). */
  reserveRaw(bytes: number, fill: (target: Buffer) => void): void {
    this.#reserve(bytes);
    fill(this.#buf.subarray(this.#pos, this.#pos + bytes));
    this.#pos += bytes;
  }

  #reserve(bytes: number): void {
    if (this.#pos + bytes <= this.#buf.length) return;
    const memory = new ArrayBuffer(Math.max(this.#pos + bytes, this.#buf.length * 2));
    const next = Buffer.from(memory);
    this.#buf.copy(next, 0, 0, this.#pos);
    this.#memory = memory;
    this.#buf = next;
    this.#view = new DataView(memory);
  }
}

/** A string in Avro form (length, then UTF-8), encoded once: a map key written for every record. */
export function avroString(value: string): Uint8Array {
  const out = new AvroOut(Buffer.byteLength(value) + 10);
  out.string(value);
  return out.bytes().slice();
}
