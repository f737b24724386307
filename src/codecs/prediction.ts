/** The prediction record: schemas/prediction.avsc, field for field, in Avro or JSON. */
export interface PredictionValue {
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
