/**
 * The feature mapper: decoded events in, one tensor per model input out.
 *
 * Both run in the inference worker that scores the batch. `extract` runs for every event, so it only
 * walks precompiled fields and appends to one flat array; `pack` runs once per batch and lays rows out
 * row-major as [rows, fields] tensors. Rows must be packed by the mapper that extracted them (a new
 * model version compiles a new mapper); `pack` checks the row width as a guard.
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

export interface FeatureMapper {
  readonly inputs: readonly FeatureInputLayout[];
  /** Values per FeatureRow. */
  readonly rowWidth: number;
  /** Throws RecordError MISSING_FEATURE, FEATURE_TYPE, NON_FINITE or FEATURE_TOO_LONG. */
  extract(event: unknown): FeatureRow;
  pack(rows: readonly FeatureRow[]): Feeds;
}

export interface FeatureLimits {
  readonly maxStringFeatureLength: number;
}

function extractRow(fields: readonly CompiledField[], event: unknown): FeatureRow {
  const row: FeatureValue[] = [];
  for (let i = 0; i < fields.length; i++) {
    const f = fields[i]!;
    const value = readPath(event, f.path);
    if (value !== undefined && value !== null) {
      row.push(convert(f, value));
    } else if (f.fallback !== undefined) {
      row.push(f.fallback);
    } else {
      throw new RecordError('MISSING_FEATURE', `required feature "${f.field}" (input "${f.input}") is missing or null`);
    }
  }
  return row;
}

function packFloat32(rows: readonly FeatureRow[], offset: number, width: number): Float32Array<ArrayBuffer> {
  const data = new Float32Array(rows.length * width);
  let k = 0;
  for (const row of rows) {
    for (let j = offset; j < offset + width; j++) data[k++] = row[j] as number;
  }
  return data;
}

function packInt64(rows: readonly FeatureRow[], offset: number, width: number): BigInt64Array<ArrayBuffer> {
  const data = new BigInt64Array(rows.length * width);
  let k = 0;
  for (const row of rows) {
    for (let j = offset; j < offset + width; j++) {
      const value = row[j] as number | bigint;
      data[k++] = typeof value === 'bigint' ? value : BigInt(value);
    }
  }
  return data;
}

function packStrings(rows: readonly FeatureRow[], offset: number, width: number): string[] {
  const data: string[] = [];
  for (const row of rows) {
    for (let j = offset; j < offset + width; j++) data.push(row[j] as string);
  }
  return data;
}

function packInput(input: FeatureInputLayout, rows: readonly FeatureRow[]): TensorPayload {
  const dims = [rows.length, input.width];
  switch (input.dtype) {
    case 'float32':
      return { dtype: 'float32', dims, data: packFloat32(rows, input.offset, input.width) };
    case 'int64':
      return { dtype: 'int64', dims, data: packInt64(rows, input.offset, input.width) };
    case 'string':
      return { dtype: 'string', dims, data: packStrings(rows, input.offset, input.width) };
  }
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

/** Throws ScorerError FEATURE_SPEC for an input without fields, a repeated input, or an invalid default. */
export function compileFeatureMapper(config: ModelConfig, limits: FeatureLimits): FeatureMapper {
  const { layout, fields } = compileInputs(config, limits);
  const rowWidth = fields.length;
  return {
    inputs: layout,
    rowWidth,
    extract: (event) => extractRow(fields, event),
    pack(rows) {
      for (const row of rows) {
        if (row.length !== rowWidth) {
          throw new ScorerError(
            'SCORER_ERR_FEATURE_SPEC',
            `a row of ${row.length} values was packed for model ${modelId(config.name, config.version)}, which takes ${rowWidth}`,
          );
        }
      }
      const feeds: Record<string, TensorPayload> = {};
      for (const input of layout) feeds[input.name] = packInput(input, rows);
      return feeds;
    },
  };
}
