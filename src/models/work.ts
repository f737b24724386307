/** The unit of work of the model stage: one admitted record, its value still in bytes. */
import type { InputOrigin } from '../delivery/outcomes.ts';

export interface Work extends InputOrigin {
  /** The record's Avro writer schema id, or JSON_RECORD; the worker decodes it. */
  readonly schemaId: number;
}
