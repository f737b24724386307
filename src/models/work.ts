/** The unit of work of the model stage: one admitted record and the features extracted from it. */
import type { FeatureRow } from '../codecs/features.ts';
import type { InputOrigin } from '../delivery/outcomes.ts';

export interface Work extends InputOrigin {
  readonly row: FeatureRow;
}
