/** A model of one float feature `x`, and a writer schema that carries it: the decoder tests' smallest case. */
import { compileFeatureMapper } from '../../../src/codecs/features.ts';
import type { ModelConfig } from '../../../src/inference/types.ts';

export const ONE_FIELD: ModelConfig = {
  name: 'm',
  version: 1,
  inputs: [{ name: 'x', dtype: 'float32', fields: [{ field: 'x' }] }],
  outputs: { score: { output: 'p' } },
  missingRequired: 'dlq',
};

export const ONE_FIELD_MAPPER = compileFeatureMapper(ONE_FIELD, { maxStringFeatureLength: 8 });

export const ONE_FIELD_SCHEMA = JSON.stringify({ type: 'record', name: 'E', fields: [{ name: 'x', type: 'double' }] });
