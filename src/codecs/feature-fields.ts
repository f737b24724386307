/**
 * One feature field, compiled once per model: its path split, its default checked, and the rules that
 * turn an event value into a tensor element. Runs per field per event, so the happy paths allocate nothing.
 *
 * Typing rules, by input dtype:
 *   float32: finite numbers, and booleans as 1 / 0 (flags are common in events and models take them as
 *            floats). Numbers beyond float32's range would become ±Infinity in a Float32Array, so they
 *            are NON_FINITE like NaN and ±Infinity.
 *   int64:   safe integers (JSON cannot carry larger ones exactly) and bigints within the int64 range.
 *   string:  strings only, at most limits.maxStringFeatureLength UTF-16 code units.
 * Anything else (including Avro unions decoded as wrapped objects, and bytes) is FEATURE_TYPE.
 */

import { RecordError, ScorerError } from '../errors.ts';
import type { FeatureFieldSpec, ModelInputSpec, TensorDType } from '../inference/types.ts';

export type FeatureValue = number | bigint | string;

export interface CompiledField {
  /** The dotted path as configured, for messages. */
  readonly field: string;
  readonly path: readonly string[];
  readonly input: string;
  readonly dtype: TensorDType;
  /** The converted default; undefined makes the field required. */
  readonly fallback: FeatureValue | undefined;
  readonly maxLength: number;
}

/** Walks a dotted path. Missing steps and non-objects give undefined, which the caller treats as absent. */
export function readPath(event: unknown, path: readonly string[]): unknown {
  let node = event;
  for (let i = 0; i < path.length; i++) {
    if (typeof node !== 'object' || node === null) return undefined;
    node = (node as Record<string, unknown>)[path[i]!];
    // Decoded Avro records are class instances whose prototypes carry methods (clone, toBuffer...);
    // a field named like one of them is absent, not a function-typed value.
    if (typeof node === 'function') return undefined;
  }
  return node;
}

function kindOf(value: unknown): string {
  if (Array.isArray(value)) return 'array';
  if (value instanceof Uint8Array) return 'bytes';
  return typeof value;
}

function typeError(f: CompiledField, expected: string, seen: string): RecordError {
  return new RecordError('FEATURE_TYPE', `feature "${f.field}" (${f.dtype} input "${f.input}") must be ${expected}, got ${seen}`);
}

function nonFinite(f: CompiledField, value: number): RecordError {
  const what = Number.isFinite(value) ? `${value}, which overflows float32` : String(value);
  return new RecordError('NON_FINITE', `feature "${f.field}" (input "${f.input}") is ${what}`);
}

export function toFloat32(f: CompiledField, value: unknown): number {
  if (typeof value === 'number') {
    const single = Math.fround(value);
    // x - x is 0 for every finite x and NaN for NaN and ±Infinity.
    if (single - single !== 0) throw nonFinite(f, value);
    return single;
  }
  if (typeof value === 'boolean') return value ? 1 : 0;
  // Only a long beyond ±2^53 decodes to a bigint (codecs/avro.ts); a float32 input would silently round it.
  if (typeof value === 'bigint') {
    throw new RecordError(
      'FEATURE_PRECISION',
      `feature "${f.field}" (float32 input "${f.input}") is the long ${value}, beyond ±2^53, which float32 cannot hold exactly`,
    );
  }
  throw typeError(f, 'a number or a boolean', kindOf(value));
}

export function toInt64(f: CompiledField, value: unknown): number | bigint {
  if (typeof value === 'number') {
    if (Number.isSafeInteger(value)) return value;
    if (!Number.isFinite(value)) throw nonFinite(f, value);
    throw typeError(f, 'a safe integer', `number ${value}`);
  }
  if (typeof value === 'bigint') {
    if (BigInt.asIntN(64, value) === value) return value;
    throw typeError(f, 'within the int64 range', `bigint ${value}`);
  }
  throw typeError(f, 'an integer', kindOf(value));
}

export function toText(f: CompiledField, value: unknown): string {
  if (typeof value !== 'string') throw typeError(f, 'a string', kindOf(value));
  if (value.length > f.maxLength) {
    throw new RecordError('FEATURE_TOO_LONG', `feature "${f.field}" is ${value.length} characters, over limits.maxStringFeatureLength (${f.maxLength})`);
  }
  return value;
}

/** Converts one present (non-null) value for its field's dtype; throws RecordError. */
export function convert(f: CompiledField, value: unknown): FeatureValue {
  switch (f.dtype) {
    case 'float32':
      return toFloat32(f, value);
    case 'int64':
      return toInt64(f, value);
    case 'string':
      return toText(f, value);
  }
}

/** Throws ScorerError FEATURE_SPEC for an empty path or a default the dtype's rules would reject. */
export function compileField(spec: FeatureFieldSpec, input: ModelInputSpec, maxLength: number): CompiledField {
  const path = spec.field.split('.');
  if (path.some((step) => step === '')) {
    throw new ScorerError('SCORER_ERR_FEATURE_SPEC', `input "${input.name}": field path "${spec.field}" is malformed`);
  }
  const compiled = { field: spec.field, path, input: input.name, dtype: input.dtype, fallback: undefined, maxLength };
  if (spec.default === undefined) return compiled;
  try {
    return { ...compiled, fallback: convert(compiled, spec.default) };
  } catch (err) {
    const reason = err instanceof Error ? err.message : String(err);
    throw new ScorerError('SCORER_ERR_FEATURE_SPEC', `default of ${reason}`, { details: { field: spec.field } });
  }
}

/** A field's element from the value found for it (undefined or null: absent): converted, or its default. */
export function featureValue(f: CompiledField, value: unknown): FeatureValue {
  if (value !== undefined && value !== null) return convert(f, value);
  if (f.fallback !== undefined) return f.fallback;
  throw new RecordError('MISSING_FEATURE', `required feature "${f.field}" (input "${f.input}") is missing or null`);
}
