/**
 * The codecs one thread scores records with (score-records.ts): a row decoder per (writer schema id,
 * model), from a bounded cache, and a prediction writer per output schema. Writer schemas never change
 * under an id, so each is compiled once per thread and per model. The inference worker keeps one; so
 * does the pass-through baseline (bench/subjects/), which does the same per-event work without a model.
 */
import { FeatureLogWriter } from '../codecs/feature-log-writer.ts';
import { type OutputSpec, PredictionWriter } from '../codecs/prediction-encoder.ts';
import { modelId } from '../core/model-id.ts';
import { DecoderCache } from './decoder-cache.ts';
import type { ScoreRecordsRequest } from './protocol.ts';
import type { RecordsCodecs, RecordsModel } from './score-records.ts';

export class ThreadCodecs {
  readonly #decoders = new DecoderCache();
  readonly #writers = new Map<string, PredictionWriter>();
  readonly #featureLogs = new Map<number, FeatureLogWriter>();

  /** What `request` is decoded and encoded with, for `model`. */
  for(request: ScoreRecordsRequest, model: Pick<RecordsModel, 'config' | 'mapper'>): RecordsCodecs {
    const id = modelId(model.config.name, model.config.version);
    return {
      writer: this.writer(request.output),
      decoder: (schemaId, schema) => this.#decoders.get(schemaId, schema, id, model.mapper.fields),
      featureLog: (schemaId) => this.featureLog(schemaId),
    };
  }

  /** The feature-log writer of a registered schema id: flow batches use it too. */
  featureLog(schemaId: number): FeatureLogWriter {
    let writer = this.#featureLogs.get(schemaId);
    if (writer === undefined) {
      writer = new FeatureLogWriter(schemaId);
      this.#featureLogs.set(schemaId, writer);
    }
    return writer;
  }

  /** The prediction writer of `output`, one per output schema id and one for JSON: flow batches use it too. */
  writer(output: OutputSpec): PredictionWriter {
    const key = output.format === 'avro' ? String(output.schemaId) : 'json';
    let writer = this.#writers.get(key);
    if (writer === undefined) {
      writer = new PredictionWriter(output);
      this.#writers.set(key, writer);
    }
    return writer;
  }
}
