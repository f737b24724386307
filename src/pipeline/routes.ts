/** How a consumed record finds its decoder and its model. */
import type { ModelEntry } from '../inference/types.ts';
import type { MicroBatcher } from './batcher.ts';
import type { Work } from './work.ts';

/** Decodes synchronously, or returns a promise when a cold cache must be filled first (an Avro schema
 * id not seen before). Throws RecordError for bad input and a retryable ScorerError when the schema
 * registry is unreachable (retried, never dead-lettered). */
export interface InputDecoder {
  decode(value: Buffer): unknown;
}

export interface FeatureExtractor {
  /** Throws RecordError when the event cannot feed the model. */
  extract(event: unknown): unknown;
  pack(rows: readonly unknown[]): { feeds: import('../inference/types.ts').Feeds; transfer: ArrayBuffer[] };
}

export interface ModelRuntime {
  readonly entry: ModelEntry;
  /** "name:version", the lineage stamped on predictions and DLQ records. */
  readonly id: string;
  readonly mapper: FeatureExtractor;
  readonly batcher: MicroBatcher<Work>;
}

export interface InputRoute {
  readonly topic: string;
  readonly decoder: InputDecoder;
  readonly model: ModelRuntime;
}
