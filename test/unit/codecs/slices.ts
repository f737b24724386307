/** The records of a batch written back to back, as views of its buffer: ends[i] is where record i ends. */
export function slices(bytes: Uint8Array, ends: Int32Array): Buffer[] {
  const out: Buffer[] = [];
  let start = 0;
  for (const end of ends) {
    out.push(Buffer.from(bytes.buffer, bytes.byteOffset + start, end - start));
    start = end;
  }
  return out;
}
