/** The prediction record: schemas/prediction.avsc, field for field, in Avro or JSON. */

/** A chained model's result, carried on the prediction of the model whose postprocess asked for it. */
export interface ChainedValue {
  model_name: string;
  model_version: number;
  score: number;
  label: string | null;
}

/** Version 1's fields. */
export interface PredictionCore {
  score: number;
  label: string | null;
  model_name: string;
  model_version: number;
  source_topic: string;
  source_partition: number;
  source_offset: number;
  event_timestamp: number;
  scored_at: number;
}

/**
 * Version 2: how the prediction was made. Optional here because avsc fills a missing field with its
 * default, and a plain model's prediction has none of them.
 */
export interface PredictionValue extends PredictionCore {
  flow?: string | null;
  experiment?: string | null;
  variant?: string | null;
  fallback?: boolean;
  fallback_reason?: string | null;
  chained?: ChainedValue[];
  attributes?: Record<string, string>;
}
