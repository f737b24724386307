/**
 * The naive scorer's codecs, as a hand-written consumer would have them: the product's avsc decoder and
 * encoder (src/codecs/avro.ts), one event object and one prediction object per record. The output
 * subject `<output>-value` is registered at start-up as the scorer does.
 */
import { readFileSync } from 'node:fs';
import { SchemaRegistry } from '@kafkajs/confluent-schema-registry';
import { AvroDecoder, AvroEncoder } from '../../src/codecs/avro.ts';
import type { PredictionValue } from '../../src/codecs/prediction.ts';
import { PREDICTION_SCHEMA, type SubjectContext } from './common.ts';

export interface AvscCodecs {
  readonly encoder: AvroEncoder;
  /** Decodes one record value; a promise only the first time a schema id is seen (the fetch). */
  decode(value: Buffer | null | undefined): unknown;
}

export async function avscCodecs(ctx: SubjectContext): Promise<AvscCodecs> {
  const registry = new SchemaRegistry({ host: ctx.args.registryUrl });
  const schema = JSON.parse(readFileSync(PREDICTION_SCHEMA, 'utf8')) as object;
  const encoder = await AvroEncoder.create(registry, `${ctx.args.outputTopic}-value`, schema);
  const decoder = new AvroDecoder(registry);
  return { encoder, decode: (value) => decodeValue(decoder, value) };
}

function decodeValue(decoder: AvroDecoder, value: Buffer | null | undefined): unknown {
  if (value === null || value === undefined) throw new Error('input record has no value (tombstone)');
  const schemaId = decoder.schemaIdOf(value);
  if (decoder.isCached(schemaId)) return decoder.decode(value);
  return decoder.load(schemaId).then(() => decoder.decode(value));
}

/** schemas/prediction.avsc for one input record; scored_at is now. */
export function prediction(
  ctx: SubjectContext,
  topic: string,
  partition: number,
  offset: number,
  timestamp: number,
  score: number,
  label: string | null,
): PredictionValue {
  return {
    score,
    label,
    model_name: ctx.model.config.name,
    model_version: ctx.model.config.version,
    source_topic: topic,
    source_partition: partition,
    source_offset: offset,
    event_timestamp: timestamp,
    scored_at: Date.now(),
  };
}
