/**
 * Skipping an Avro value no model reads: its bytes are walked, nothing is built. Every value is walked
 * the way avsc reads it (avsc decodes every field of a record), so a record we skip through is valid
 * exactly when avsc would have decoded it: union and enum indexes are checked, array and map items are
 * walked one by one even when a block gives its size in bytes. Compiled once per writer type; named
 * types may refer to themselves, so a type's skipper can call itself.
 */
import type { Type } from 'avsc';
import avsc from 'avsc';
import { type AvroCursor, UNREADABLE } from './avro-cursor.ts';

export type Skip = (c: AvroCursor) => void;

/** A construct the compiled decoders do not know: the schema is read by avsc instead. */
export class Uncompilable extends Error {
  override readonly name = 'Uncompilable';
}

const nothing: Skip = () => undefined;
const skipLong: Skip = (c) => c.skipLong();
const skipSized: Skip = (c) => c.skipSized();

/** Fixed-size skips, by size: a float is 4 bytes, a double 8, a boolean 1. */
function skipBytes(n: number): Skip {
  return (c) => {
    c.take(n);
  };
}

/** The items of an array, or the entries of a map (a string key each), block by block. */
function skipBlocks(item: Skip, keyed: boolean): Skip {
  return (c) => {
    for (let n = c.block(); n !== 0; n = c.block()) {
      for (let i = 0; i < n; i++) {
        // A huge count of zero-byte items past the end would otherwise loop for long.
        if (c.pos > c.end) throw UNREADABLE;
        if (keyed) c.skipSized();
        item(c);
      }
    }
  };
}

function skipUnion(branches: readonly Skip[]): Skip {
  return (c) => branches[c.index(branches.length)]!(c);
}

function skipRecord(fields: readonly Skip[]): Skip {
  return (c) => {
    for (let i = 0; i < fields.length; i++) fields[i]!(c);
  };
}

function build(type: Type, skipperOf: (t: Type) => Skip, checkLongs: boolean): Skip {
  if (type instanceof avsc.types.RecordType) return skipRecord(type.fields.map((f) => skipperOf(f.type)));
  if (type instanceof avsc.types.UnwrappedUnionType || type instanceof avsc.types.WrappedUnionType) {
    return skipUnion(type.types.map(skipperOf));
  }
  if (type instanceof avsc.types.ArrayType) return skipBlocks(skipperOf(type.itemsType), false);
  if (type instanceof avsc.types.MapType) return skipBlocks(skipperOf(type.valuesType as Type), true);
  if (type instanceof avsc.types.EnumType) {
    const count = type.symbols.length;
    return (c) => {
      c.index(count);
    };
  }
  if (type instanceof avsc.types.FixedType) return skipBytes(type.size);
  switch (type.typeName) {
    case 'null':
      return nothing;
    case 'boolean':
      return skipBytes(1);
    case 'int':
      return skipLong;
    case 'long':
      return checkLongs ? checkLong : skipLong;
    case 'float':
      return skipBytes(4);
    case 'double':
      return skipBytes(8);
    case 'string':
    case 'bytes':
      return skipSized;
    default:
      throw new Uncompilable(`cannot skip an Avro ${type.typeName}`);
  }
}

/** A long read to see that it stays below 2^53 (see `checkLongs` in avro-columns.ts). */
const checkLong: Skip = (c) => {
  c.long();
};

/** Skippers of one writer schema's types, each built once; `checkLongs` makes a long from 2^53 on UNREADABLE. */
export function skippers(checkLongs: boolean): (type: Type) => Skip {
  const built = new Map<Type, Skip>();
  const skipperOf = (type: Type): Skip => {
    const known = built.get(type);
    if (known !== undefined) return known;
    // A recursive reference met while building goes through `late` until the skipper exists.
    let skip: Skip | undefined;
    const late: Skip = (c) => skip!(c);
    built.set(type, late);
    skip = build(type, skipperOf, checkLongs);
    built.set(type, skip);
    return skip;
  };
  return skipperOf;
}
