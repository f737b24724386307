/**
 * Test-only batches for the worker pool: events as JSON records, predictions asked for in JSON, so a
 * test reads each row's prediction (or its failure) back as an object.
 */

import { JSON_RECORD } from '../../../src/codecs/input-format.ts';
import type { PredictionValue } from '../../../src/codecs/prediction.ts';
import type { BatchInput } from '../../../src/inference/pool.ts';
import type { RecordsScoredReply, RowFailure } from '../../../src/inference/protocol.ts';
import { NO_HEADERS } from '../../../src/kafka/client.ts';
import { recordsRequest } from '../../../src/models/records-request.ts';

export type TestEvent = Record<string, unknown>;

const JSON_ONLY = () => {
  throw new Error('these batches are JSON');
};

export function jsonBatch(name: string, version: number, events: readonly TestEvent[]): BatchInput {
  const rows = events.map((event, offset) => ({
    record: { offset, key: null, value: Buffer.from(JSON.stringify(event)), timestamp: 1000 + offset, headers: NO_HEADERS },
    schemaId: JSON_RECORD,
    topic: 'features',
    partition: 0,
    offset,
    timestamp: 1000 + offset,
  }));
  return recordsRequest({ name, version, output: { format: 'json' }, writerSchema: JSON_ONLY }, rows, 5000);
}

/** Each row's prediction, or its failure. */
export function rowsOf(reply: RecordsScoredReply): (PredictionValue | RowFailure)[] {
  const failures = new Map(reply.failures.map((f) => [f.row, f]));
  const text = Buffer.from(reply.encoded.buffer, reply.encoded.byteOffset, reply.encoded.length);
  let start = 0;
  return Array.from(reply.ends, (end, row) => {
    const value = failures.get(row) ?? (JSON.parse(text.toString('utf8', start, end)) as PredictionValue);
    start = end;
    return value;
  });
}

export function predictionsOf(reply: RecordsScoredReply): PredictionValue[] {
  return rowsOf(reply).map((row, i) => {
    if ('reason' in row) throw new Error(`row ${i} failed: ${row.reason} ${row.message}`);
    return row;
  });
}
