import assert from 'node:assert/strict';
import { test } from 'node:test';
import { JSON_RECORD } from '../../../src/codecs/input-format.ts';
import { keyOf } from '../../../src/flows/flow-batch.ts';
import { NO_HEADERS } from '../../../src/kafka/client.ts';
import { flowRequest, recordsRequest } from '../../../src/models/records-request.ts';

function row(topic: string, partition: number, offset: number, value: string, schemaId: number) {
  return {
    record: { offset, key: null, value: Buffer.from(value), timestamp: offset * 10, headers: NO_HEADERS },
    schemaId,
    topic,
    partition,
    offset,
    timestamp: offset * 10,
  };
}

test('values go back to back with their ends; lineage goes in columns; each writer schema once; every column is transferred', () => {
  const asked: number[] = [];
  const writerSchema = (id: number) => {
    asked.push(id);
    return `schema-${id}`;
  };
  const rows = [row('a', 0, 5, 'one', 3), row('b', 2, 9, 'three', 3), row('a', 1, 2 ** 40, '', 4), row('a', 0, 6, '{}', JSON_RECORD)];
  const { request, transfer } = recordsRequest({ name: 'm', version: 1, output: { format: 'json' }, writerSchema }, rows, 777);
  assert.equal(Buffer.from(request.values).toString(), 'onethree{}');
  assert.deepEqual([...request.valueEnds], [3, 8, 8, 10]);
  assert.deepEqual([...request.schemaIds], [3, 3, 4, JSON_RECORD]);
  assert.deepEqual(request.writerSchemas, { 3: 'schema-3', 4: 'schema-4' });
  assert.deepEqual(asked, [3, 4]);
  assert.deepEqual(request.topics, ['a', 'b']);
  assert.deepEqual([...request.topicIndex], [0, 1, 0, 0]);
  assert.deepEqual([...request.partitions], [0, 2, 1, 0]);
  assert.deepEqual([...request.offsets], [5, 9, 2 ** 40, 6]);
  assert.deepEqual([...request.timestamps], [50, 90, 2 ** 40 * 10, 60]);
  assert.equal(request.scoredAt, 777);
  assert.equal(request.rows, 4);
  const columns = [request.values, request.valueEnds, request.schemaIds, request.topicIndex, request.partitions, request.offsets, request.timestamps];
  assert.deepEqual(new Set(transfer), new Set(columns.map((c) => c.buffer)));
});

test('a flow request carries the same packing, the record keys, and the routing header only when the flow routes by one', () => {
  const keyed = (key: string | null, headers: [string, Buffer][]) => ({
    ...row('a', 0, 1, '{}', JSON_RECORD),
    record: { ...row('a', 0, 1, '{}', JSON_RECORD).record, key: key === null ? null : Buffer.from(key), headers },
  });
  const rows = [keyed('k1', [['x-route', Buffer.from('rules')]]), keyed(null, []), keyed('k3', [['other', Buffer.from('v')]])];
  const context = { flow: 'f', output: { format: 'json' } as const, writerSchema: () => '' };
  const { request } = flowRequest({ ...context, routeHeader: 'x-route' }, rows, 5);
  assert.equal(request.kind, 'score-flow');
  assert.equal(request.flow, 'f');
  assert.equal(request.rows, 3);
  assert.deepEqual(
    [0, 1, 2].map((row) => keyOf(request, row)),
    ['k1', null, 'k3'],
    'the keys travel as bytes; the worker makes the strings',
  );
  assert.deepEqual(request.routeHeaders, ['rules', null, null]);
  assert.equal(flowRequest(context, rows, 5).request.routeHeaders, undefined);
});
