/**
 * An avsc type for `schema` whose longs (logical types included) read and write bigints: how a test
 * writes a long beyond ±2^53, as a Java producer would.
 */
import avsc from 'avsc';

type Schema = Parameters<typeof avsc.Type.forSchema>[0];

const isLong = (s: unknown) => s === 'long' || (typeof s === 'object' && s !== null && (s as { type?: string }).type === 'long');

const BIGINT_LONG = avsc.types.LongType.__with({
  fromBuffer: (b: Buffer) => b.readBigInt64LE(),
  toBuffer: (n: bigint) => {
    const b = Buffer.alloc(8);
    b.writeBigInt64LE(n);
    return b;
  },
  fromJSON: BigInt,
  toJSON: Number,
  isValid: (n: unknown) => typeof n === 'bigint',
  compare: (a: bigint, b: bigint) => (a === b ? 0 : a < b ? -1 : 1),
});

/** `wrapUnions` as avsc takes it: true writes every union's value as { branch: value }. */
export function withBigintLongs(schema: unknown, wrapUnions?: boolean): avsc.Type {
  return avsc.Type.forSchema(schema as Schema, {
    typeHook: (s: unknown) => (isLong(s) ? BIGINT_LONG : undefined),
    ...(wrapUnions === undefined ? {} : { wrapUnions }),
  });
}
