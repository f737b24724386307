/**
 * The feature mapper: a model's feature spec compiled once, and the columns a batch's features go into.
 *
 * Both run in the inference worker that scores the batch. A batch is columns, not rows: `columns`
 * holds one typed array per input, sized for the batch (feature-columns.ts), and a decoder writes each
 * event's fields straight into them, so no array is made per event and there is no packing pass.
 * `feeds` hands the columns to the model as [rows, fields] row-major tensors; a range of them (a half of
 * a bisected batch) is a copy, which only a failing batch pays.
 */

import { modelId } from '../core/model-id.ts';
import { ScorerError } from '../errors.ts';
import type { Feeds, ModelConfig } from '../inference/types.ts';
import type { FeatureColumns, FeatureInputLayout } from './feature-columns.ts';
import { featureColumns } from './feature-columns.ts';
import type { CompiledField, FeatureValue } from './feature-fields.ts';
import { compileField, featureValue, readPath } from './feature-fields.ts';

export type { FeatureColumns, FeatureInputLayout } from './feature-columns.ts';
export type { FeatureValue } from './feature-fields.ts';

/** One event's features: every input's fields in config order, flattened into one array. */
export type FeatureRow = readonly FeatureValue[];

export interface FeatureMapper {
  readonly inputs: readonly FeatureInputLayout[];
  /** Every input's fields in config order: what a decoder looks for in an event. */
  readonly fields: readonly CompiledField[];
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
    fields,
    rowWidth: fields.length,
    extract: (event) => fields.map((f) => featureValue(f, readPath(event, f.path))),
    columns: (capacity) => featureColumns(layout, fields, capacity),
  };
}
