/**
 * Compiles, per (writer schema, feature spec), a reader of Avro bodies straight into a batch's feature
 * columns: the fields a model uses are read into the record's DecodedRow, every other value is skipped
 * (avro-skip.ts), and no object is built per record. What a field's value is follows what avsc would have decoded and
 * `readPath` found in it, so the spec's rules see the same values: a union's branch value (avsc unwraps
 * unions whose branches it can tell apart), an enum's symbol, any other byte of a boolean as true; a
 * record, map or wrapped union as an object, an array as an array, bytes and fixed as bytes (all of
 * which the rules refuse, naming the kind); a path through null or a primitive finds nothing.
 *
 * A path that goes on into an array, a map, bytes, fixed or a wrapped union, or names something a
 * decoded record has without being a field (e.g. `__proto__`), is Uncompilable: avsc reads that schema.
 */
import type { Type } from 'avsc';
import avsc from 'avsc';
import {
  BOOLEAN,
  CALL,
  CONSTANT,
  DOUBLE,
  ENUM,
  FLOAT,
  LONG,
  type Read,
  run,
  SKIP_BYTES,
  SKIP_LONG,
  SKIP_SIZED,
  STRING,
  type Step,
  step,
} from './avro-program.ts';
import { type Skip, skippers, Uncompilable } from './avro-skip.ts';
import type { DecodedRow } from './decoded-row.ts';
import type { CompiledField } from './feature-fields.ts';

/** The spec's paths as a tree: which fields end at a value, and which go on into it, by step. */
interface Need {
  readonly ends: number[];
  readonly next: Map<string, Need>;
}

function needs(fields: readonly CompiledField[]): Need {
  const root: Need = { ends: [], next: new Map() };
  fields.forEach((f, i) => {
    let node = root;
    for (const name of f.path) {
      let child = node.next.get(name);
      if (child === undefined) {
        child = { ends: [], next: new Map() };
        node.next.set(name, child);
      }
      node = child;
    }
    node.ends.push(i);
  });
  return root;
}

const wantsNothing = (need: Need): boolean => need.ends.length === 0 && need.next.size === 0;

// Stand-ins for values the rules only name the kind of (kindOf in feature-fields.ts).
const AN_OBJECT = Object.freeze({});
const AN_ARRAY = Object.freeze([]);
const SOME_BYTES = new Uint8Array(0);

/** The stand-in for a value avsc builds an object for that no path may go into, or undefined. */
function opaqueKind(type: Type): unknown {
  if (type instanceof avsc.types.ArrayType) return AN_ARRAY;
  if (type instanceof avsc.types.MapType) return AN_OBJECT;
  if (type instanceof avsc.types.FixedType || type.typeName === 'bytes') return SOME_BYTES;
  return undefined;
}

function refuseDeeper(need: Need, what: string): void {
  const [name] = need.next.keys();
  if (name !== undefined) throw new Uncompilable(`a feature path goes on into a ${what} (step "${name}")`);
}

const VALUE_OPS = new Map([
  ['boolean', BOOLEAN],
  ['int', LONG],
  ['long', LONG],
  ['float', FLOAT],
  ['double', DOUBLE],
  ['string', STRING],
]);

/** Bytes of the fixed-size primitives, which consecutive skips add up. */
const FIXED_SIZES = new Map([
  ['null', 0],
  ['boolean', 1],
  ['float', 4],
  ['double', 8],
]);

/** The step reading a primitive or enum value for `fields`; undefined for any other type. */
function valueStep(type: Type, fields: readonly number[]): Step | undefined {
  if (type instanceof avsc.types.EnumType) return step(ENUM, fields, { symbols: type.symbols });
  const op = VALUE_OPS.get(type.typeName);
  return op === undefined ? undefined : step(op, fields);
}

class Compiler {
  readonly #checkLongs: boolean;
  readonly #skipperOf: (type: Type) => Skip;
  /**
   * avsc reads a record holding a long from 2^53 on again with exact longs, and in that type a union of
   * long and another number type is no longer wrapped: { long: 1 } becomes 1. When a path reads such a
   * union, a record with any long that large is avsc's (the schema is compiled again with `checkLongs`).
   */
  longsMatter = false;

  constructor(checkLongs: boolean) {
    this.#checkLongs = checkLongs;
    this.#skipperOf = skippers(checkLongs);
  }

  /** The steps reading a whole value of `type` for what `need` wants of it. */
  program(type: Type, need: Need | undefined): Step[] {
    const steps: Step[] = [];
    this.#emit(type, need, steps);
    return steps;
  }

  #emit(type: Type, need: Need | undefined, out: Step[]): void {
    if (need === undefined || wantsNothing(need)) this.#skip(type, out);
    else if (type instanceof avsc.types.RecordType) this.#record(type, need, out);
    else if (type instanceof avsc.types.UnwrappedUnionType) this.#union(type.types, need, out);
    else if (type instanceof avsc.types.WrappedUnionType) this.#wrapped(type, need, out);
    else if (opaqueKind(type) !== undefined) this.#opaque(type, need, out);
    // A path through a primitive finds nothing, so only the fields ending here matter.
    else if (need.ends.length === 0 || type.typeName === 'null') this.#skip(type, out);
    else {
      const value = valueStep(type, need.ends);
      if (value === undefined) throw new Uncompilable(`cannot read an Avro ${type.typeName}`);
      out.push(value);
    }
  }

  /** A value the rules see only as a kind: skipped, then its stand-in put. */
  #opaque(type: Type, need: Need, out: Step[]): void {
    refuseDeeper(need, type.typeName);
    const skip = this.#skipperOf(type);
    const { ends } = need;
    const kind = opaqueKind(type);
    const read: Read = (c, row) => {
      skip(c);
      putAll(row, ends, kind);
    };
    out.push(step(CALL, [], { read }));
  }

  /** Skips as flat steps where they are, one byte run for consecutive fixed sizes. */
  #skip(type: Type, out: Step[]): void {
    const size = type instanceof avsc.types.FixedType ? type.size : (FIXED_SIZES.get(type.typeName) ?? -1);
    if (size === 0) return;
    if (size > 0) {
      const last = out[out.length - 1];
      if (last !== undefined && last.op === SKIP_BYTES && last.nullAt < 0) out[out.length - 1] = step(SKIP_BYTES, [], { size: last.size + size });
      else out.push(step(SKIP_BYTES, [], { size }));
      return;
    }
    const name = type.typeName;
    if (name === 'long' && this.#checkLongs) out.push(step(LONG));
    else if (name === 'int' || name === 'long') out.push(step(SKIP_LONG));
    else if (name === 'string' || name === 'bytes') out.push(step(SKIP_SIZED));
    else out.push(step(CALL, [], { read: this.#skipperOf(type) }));
  }

  #record(type: avsc.types.RecordType, need: Need, out: Step[]): void {
    if (type.typeName !== 'record') throw new Uncompilable(`cannot read an Avro ${type.typeName}`);
    // An instance's prototype answers for names that are not fields: methods read as absent, anything
    // else (Object.prototype's __proto__) as a value only avsc's object has.
    const instance = Object.create(type.recordConstructor.prototype) as Record<string, unknown>;
    const names = new Set(type.fields.map((f) => f.name));
    if (names.has('__proto__')) throw new Uncompilable('a record has a field named __proto__');
    for (const name of need.next.keys()) {
      if (!names.has(name) && instance[name] !== undefined && typeof instance[name] !== 'function') {
        throw new Uncompilable(`a feature path step "${name}" names a property of avsc's records`);
      }
    }
    if (need.ends.length > 0) out.push(step(CONSTANT, need.ends, { constant: AN_OBJECT }));
    for (const f of type.fields) this.#emit(f.type, need.next.get(f.name), out);
  }

  /** avsc decodes an unwrapped union as its branch's value: the same paths apply to the branch. */
  #union(branches: readonly Type[], need: Need, out: Step[]): void {
    const nullAt = branches.findIndex((t) => t.typeName === 'null');
    const other = branches[1 - nullAt];
    const value = branches.length === 2 && nullAt >= 0 && other !== undefined && need.ends.length > 0 ? valueStep(other, need.ends) : undefined;
    if (value !== undefined) {
      out.push({ ...value, nullAt });
      return;
    }
    const programs = branches.map((t) => this.program(t, need));
    out.push(step(CALL, [], { read: (c, row) => run(programs[c.index(programs.length)] as Step[], c, row) }));
  }

  /** avsc decodes a wrapped union as null or a one-key object ({ double: 1.5 }). */
  #wrapped(type: avsc.types.WrappedUnionType, need: Need, out: Step[]): void {
    refuseDeeper(need, 'wrapped union');
    if (type.types.some((t) => t.typeName === 'long')) this.longsMatter = true;
    const ends = need.ends;
    const branches = type.types.map((t) => ({ skip: this.#skipperOf(t), isNull: t.typeName === 'null' }));
    const read: Read = (c, row) => {
      const branch = branches[c.index(branches.length)]!;
      branch.skip(c);
      if (!branch.isNull) putAll(row, ends, AN_OBJECT);
    };
    out.push(step(CALL, [], { read }));
  }
}

function putAll(row: DecodedRow, fields: readonly number[], value: unknown): void {
  for (const f of fields) row.other(f, value);
}

/** The reader of a whole body of `type` for `fields`; throws Uncompilable for what only avsc reads. */
export function compileColumnsReader(type: Type, fields: readonly CompiledField[]): Read {
  const need = needs(fields);
  let compiler = new Compiler(false);
  let steps = compiler.program(type, need);
  if (compiler.longsMatter) {
    compiler = new Compiler(true);
    steps = compiler.program(type, need);
  }
  return (c, row) => run(steps, c, row);
}
