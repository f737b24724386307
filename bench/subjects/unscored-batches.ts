/**
 * What the pass-through does with a fetched batch: the scorer's per-event work minus the model, with the
 * product's own modules. Each record is screened and its Avro header checked (intake's steps), the
 * values are copied into one request as for an inference worker (records-request.ts), and the request
 * is scored in this thread by a model that answers 0 for every row (score-records.ts): every value is
 * decoded through the compiled column decoder into the batch's columns, and every prediction written by
 * the per-batch encoder into one buffer, whose views become the produced values. What it leaves out is
 * the model, the worker pool and its round trip, the ledgers, budgets and ordered sender.
 *
 * The bench's input is all good records: one that would go to the dead-letter topic is a failure here,
 * so a broken benchmark cannot pass for a fast one.
 */

import { compileFeatureMapper, type FeatureLimits } from '../../src/codecs/features.ts';
import type { InputFormat } from '../../src/codecs/input-format.ts';
import type { OutputSpec } from '../../src/codecs/prediction-encoder.ts';
import type { RecordsModel } from '../../src/inference/score-records.ts';
import { scoreRecords } from '../../src/inference/score-records.ts';
import { ThreadCodecs } from '../../src/inference/thread-codecs.ts';
import type { ModelEntry } from '../../src/inference/types.ts';
import { screen } from '../../src/intake/screen.ts';
import { type ConsumedRecord, type FetchedBatch, NO_HEADERS, type OutgoingRecord } from '../../src/kafka/client.ts';
import { type RequestContext, type RequestRow, recordsRequest } from '../../src/models/records-request.ts';

export interface UnscoredOptions {
  readonly model: ModelEntry;
  readonly limits: FeatureLimits & { readonly maxRecordBytes: number };
  readonly format: InputFormat;
  readonly output: OutputSpec;
  readonly outputTopic: string;
}

/** Turns a fetched batch into its predictions (score 0, no label), in the batch's order. */
export type UnscoredBatches = (batch: FetchedBatch) => Promise<OutgoingRecord[]>;

export function unscoredBatches(options: UnscoredOptions): UnscoredBatches {
  const { config } = options.model;
  const model: RecordsModel = {
    config,
    mapper: compileFeatureMapper(config, options.limits),
    run: (_feeds, rows) => Promise.resolve({ scores: new Float64Array(rows) }),
  };
  const codecs = new ThreadCodecs();
  const context: RequestContext = { name: config.name, version: config.version, output: options.output, writerSchema: (id) => options.format.writerSchema(id) };
  return async (batch) => {
    const rows = await admitted(options, batch);
    const { request } = recordsRequest(context, rows, Date.now());
    const reply = await scoreRecords(request, model, codecs.for(request, model), performance);
    const [failure] = reply.failures;
    if (failure !== undefined)
      throw new Error(`record ${batch.topic}:${batch.partition}:${rows[failure.row]?.offset} would be dead-lettered: ${failure.reason} ${failure.message}`);
    const out: OutgoingRecord[] = new Array(rows.length);
    let start = 0;
    for (let i = 0; i < rows.length; i++) {
      const end = reply.ends[i] as number;
      const value = Buffer.from(reply.encoded.buffer, reply.encoded.byteOffset + start, end - start);
      out[i] = { topic: options.outputTopic, key: (rows[i] as RequestRow).record.key, value, headers: NO_HEADERS };
      start = end;
    }
    return out;
  };
}

/** Intake's checks on each record; only the first record of a new writer schema awaits (the fetch). */
async function admitted(options: UnscoredOptions, batch: FetchedBatch): Promise<RequestRow[]> {
  const rows: RequestRow[] = new Array(batch.records.length);
  for (let i = 0; i < batch.records.length; i++) {
    const record = batch.records[i] as ConsumedRecord;
    const rejected = screen(record.value, options.limits.maxRecordBytes);
    if (rejected !== undefined) throw rejected;
    let readiness = options.format.check(record.value as Buffer);
    if (readiness.kind === 'cold') {
      await readiness.load();
      readiness = options.format.check(record.value as Buffer);
    }
    if (readiness.kind === 'rejected') throw readiness.error;
    if (readiness.kind === 'cold') throw new Error(`${readiness.what} is still not loaded after loading it`);
    const { topic, partition } = batch;
    rows[i] = { record, schemaId: readiness.schemaId, topic, partition, offset: record.offset, timestamp: record.timestamp };
  }
  return rows;
}
