/**
 * The feature mapper: decoded events in, one tensor per model input out.
 *
 * Both run in the inference worker that scores the batch. A batch is columns, not rows: `columns`
 * holds one typed array per input, sized for the batch, and `append` writes an event's fields straight
 * into them, so no array is made per event and there is no packing pass. `feeds` hands the columns to
 * the model as [rows, fields] row-major tensors; a range of them (a half of a bisected batch) is a
 * copy, which only a failing batch pays.
 */

import { modelId } from '../core/model-id.ts';
import { RecordError, ScorerError } from '../errors.ts';
import type { Feeds, ModelConfig, TensorDType, TensorPayload } from '../inference/types.ts';
import type { CompiledField, FeatureValue } from './feature-fields.ts';
import { compileField, convert, readPath } from './feature-fields.ts';

export type { FeatureValue } from './feature-fields.ts';

/** One event's features: every input's fields in config order, flattened into one array. */
export type FeatureRow = readonly FeatureValue[];

export interface FeatureInputLayout {
  readonly name: string;
  readonly dtype: TensorDType;
  /** Where this input's fields start in a FeatureRow. */
  readonly offset: number;
  /** fields.length: the tensor's second dimension. */
  readonly width: number;
}

/** A batch's features, one column array per input. */
export interface FeatureColumns {
  /** Events appended so far. */
  readonly rows: number;
  /**
   * Appends one event's features. Throws RecordError MISSING_FEATURE, FEATURE_TYPE, NON_FINITE,
   * FEATURE_PRECISION or FEATURE_TOO_LONG, and then nothing was appended.
   */
  append(event: unknown): void;
  /** The tensors of rows [start, end). */
  feeds(start: number, end: number): Feeds;
}

export interface FeatureMapper {
  readonly inputs: readonly FeatureInputLayout[];
  /** Values per FeatureRow. */
  readonly rowWidth: number;
  /** One event's features as a row (what `append` would write); throws as `append` does. */
  extract(event: unknown): FeatureRow;
  /** Empty columns for a batch of at most `capacity` events. */
  columns(capacity: number): FeatureColumns;
}

export interface FeatureLimits {
  readonly maxStringFeatureLength: number;
}

function fieldValue(f: CompiledField, event: unknown): FeatureValue {
  const value = readPath(event, f.path);
  if (value !== undefined && value !== null) return convert(f, value);
  if (f.fallback !== undefined) return f.fallback;
  throw new RecordError('MISSING_FEATURE', `required feature "${f.field}" (input "${f.input}") is missing or null`);
}

type ColumnData = Float32Array<ArrayBuffer> | BigInt64Array<ArrayBuffer> | string[];

function allocate(dtype: TensorDType, length: number): ColumnData {
  switch (dtype) {
    case 'float32':
      return new Float32Array(length);
    case 'int64':
      return new BigInt64Array(length);
    case 'string':
      return new Array<string>(length).fill('');
  }
}

function payload(dtype: TensorDType, data: ColumnData, dims: number[]): TensorPayload {
  switch (dtype) {
    case 'float32':
      return { dtype, dims, data: data as Float32Array<ArrayBuffer> };
    case 'int64':
      return { dtype, dims, data: data as BigInt64Array<ArrayBuffer> };
    case 'string':
      return { dtype, dims, data: data as string[] };
  }
}

function featureColumns(layout: readonly FeatureInputLayout[], fields: readonly CompiledField[], capacity: number): FeatureColumns {
  const data = layout.map((input) => allocate(input.dtype, capacity * input.width));
  // Where field i goes: its input's column, that input's width, and the field's place within it.
  const slots = fields.map((_, i) => {
    const c = layout.findIndex((input) => i >= input.offset && i < input.offset + input.width);
    const input = layout[c]!;
    return { data: data[c]!, width: input.width, place: i - input.offset, int64: input.dtype === 'int64' };
  });
  let rows = 0;
  return {
    get rows() {
      return rows;
    },
    append(event) {
      if (rows === capacity) throw new ScorerError('SCORER_ERR_INVARIANT', `feature columns for ${capacity} events are full`);
      // A field that fails leaves this row's earlier writes past `rows`: never read, overwritten next.
      for (let i = 0; i < fields.length; i++) {
        const slot = slots[i]!;
        const value = fieldValue(fields[i]!, event);
        const at = rows * slot.width + slot.place;
        if (slot.int64) (slot.data as BigInt64Array)[at] = typeof value === 'bigint' ? value : BigInt(value);
        else (slot.data as Float32Array | string[])[at] = value as number & string;
      }
      rows++;
    },
    feeds(start, end) {
      if (!(start >= 0 && start <= end && end <= rows)) throw new ScorerError('SCORER_ERR_INVARIANT', `rows [${start}, ${end}) of ${rows}`);
      const feeds: Record<string, TensorPayload> = {};
      layout.forEach((input, c) => {
        const all = data[c]!;
        const whole = start === 0 && end === capacity;
        const range = whole ? all : all.slice(start * input.width, end * input.width);
        feeds[input.name] = payload(input.dtype, range, [end - start, input.width]);
      });
      return feeds;
    },
  };
}

function compileInputs(config: ModelConfig, limits: FeatureLimits) {
  const layout: FeatureInputLayout[] = [];
  const fields: CompiledField[] = [];
  for (const input of config.inputs) {
    const where = `model ${modelId(config.name, config.version)}, input "${input.name}"`;
    if (input.fields.length === 0) throw new ScorerError('SCORER_ERR_FEATURE_SPEC', `${where} has no fields`);
    if (layout.some((seen) => seen.name === input.name)) {
      throw new ScorerError('SCORER_ERR_FEATURE_SPEC', `${where} is declared twice`);
    }
    layout.push({ name: input.name, dtype: input.dtype, offset: fields.length, width: input.fields.length });
    for (const spec of input.fields) fields.push(compileField(spec, input, limits.maxStringFeatureLength));
  }
  return { layout, fields };
}

/** The tensors of `events`, all of which must fit the spec (the benchmarks and the tests pack this way). */
export function featureFeeds(mapper: FeatureMapper, events: readonly unknown[]): Feeds {
  const columns = mapper.columns(events.length);
  for (const event of events) columns.append(event);
  return columns.feeds(0, events.length);
}

/** Throws ScorerError FEATURE_SPEC for an input without fields, a repeated input, or an invalid default. */
export function compileFeatureMapper(config: ModelConfig, limits: FeatureLimits): FeatureMapper {
  const { layout, fields } = compileInputs(config, limits);
  return {
    inputs: layout,
    rowWidth: fields.length,
    extract: (event) => fields.map((f) => fieldValue(f, event)),
    columns: (capacity) => featureColumns(layout, fields, capacity),
  };
}
