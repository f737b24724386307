/**
 * A batch's features as columns: one typed array per model input, sized for the batch, written one row
 * at a time, from a decoded event object (JSON, or avsc's) or from the values a compiled decoder read
 * (DecodedRow). Either way each field goes through the spec's rules in spec order, so a row fails on
 * its first failing field; that row's earlier writes lie past `rows`: never read, overwritten next.
 */

import { ScorerError } from '../errors.ts';
import type { Feeds, TensorDType, TensorPayload } from '../inference/types.ts';
import { type DecodedRow, NUMBER } from './decoded-row.ts';
import type { CompiledField, FeatureValue } from './feature-fields.ts';
import { featureValue, readPath, toFloat32 } from './feature-fields.ts';

export interface FeatureInputLayout {
  readonly name: string;
  readonly dtype: TensorDType;
  /** Where this input's fields start in the spec's field list. */
  readonly offset: number;
  /** fields.length: the tensor's second dimension. */
  readonly width: number;
}

/** A batch's features, one column array per input. */
export interface FeatureColumns {
  /** Rows committed so far. */
  readonly rows: number;
  /**
   * Appends one decoded event's features. Throws RecordError MISSING_FEATURE, FEATURE_TYPE, NON_FINITE,
   * FEATURE_PRECISION or FEATURE_TOO_LONG, and then nothing was appended.
   */
  append(event: unknown): void;
  /** Appends the values a compiled decoder read for one record; throws as `append` does. */
  appendRow(row: DecodedRow): void;
  /** The tensors of rows [start, end). */
  feeds(start: number, end: number): Feeds;
  /** Field `field`'s element in committed row `row`, as the tensor holds it (the feature log, drift). */
  valueAt(row: number, field: number): FeatureValue;
  /** defaulted[i]: committed rows whose field i was missing or null and took the field's default (drift). */
  readonly defaulted: Int32Array;
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

interface Slot {
  readonly data: ColumnData;
  readonly width: number;
  readonly place: number;
  readonly int64: boolean;
}

export function featureColumns(layout: readonly FeatureInputLayout[], fields: readonly CompiledField[], capacity: number): FeatureColumns {
  const data = layout.map((input) => allocate(input.dtype, capacity * input.width));
  // Where field i goes: its input's column, that input's width, and the field's place within it.
  const slots: Slot[] = fields.map((_, i) => {
    const c = layout.findIndex((input) => i >= input.offset && i < input.offset + input.width);
    const input = layout[c]!;
    return { data: data[c]!, width: input.width, place: i - input.offset, int64: input.dtype === 'int64' };
  });
  let rows = 0;
  const defaulted = new Int32Array(fields.length);
  // The fields of the row being appended that took their default: counted only once the row is committed.
  const pending: number[] = [];

  function commit(): void {
    for (const i of pending) defaulted[i] = (defaulted[i] as number) + 1;
    pending.length = 0;
    rows++;
  }

  function element(i: number, value: unknown): FeatureValue {
    if (value === undefined || value === null) pending.push(i);
    return featureValue(fields[i]!, value);
  }

  function write(i: number, value: FeatureValue): void {
    const slot = slots[i]!;
    const at = rows * slot.width + slot.place;
    if (slot.int64) (slot.data as BigInt64Array)[at] = typeof value === 'bigint' ? value : BigInt(value);
    else (slot.data as Float32Array | string[])[at] = value as number & string;
  }

  function full(): ScorerError {
    return new ScorerError('SCORER_ERR_INVARIANT', `feature columns for ${capacity} events are full`);
  }

  const columns: FeatureColumns = {
    get rows() {
      return rows;
    },
    append(event) {
      if (rows === capacity) throw full();
      pending.length = 0;
      for (let i = 0; i < fields.length; i++) write(i, element(i, readPath(event, fields[i]!.path)));
      commit();
    },
    appendRow(row) {
      if (rows === capacity) throw full();
      pending.length = 0;
      const { kinds, numbers } = row;
      for (let i = 0; i < fields.length; i++) {
        const f = fields[i]!;
        // The common case without a detour through `unknown`, where V8 would box the number.
        if (kinds[i] === NUMBER && f.dtype === 'float32') write(i, toFloat32(f, numbers[i]));
        else write(i, element(i, row.value(i)));
      }
      commit();
    },
    valueAt(row, field) {
      const slot = slots[field]!;
      return slot.data[row * slot.width + slot.place] as FeatureValue;
    },
    defaulted,
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
  return columns;
}
