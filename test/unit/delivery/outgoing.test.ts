import assert from 'node:assert/strict';
import { test } from 'node:test';
import { type Outgoing, recordsOf } from '../../../src/delivery/outgoing.ts';
import { NO_HEADERS, type OutgoingRecord } from '../../../src/kafka/client.ts';

const rec = (v: string): OutgoingRecord => ({ topic: 'out', key: null, value: Buffer.from(v), headers: NO_HEADERS });
const item = (v: string, ...more: string[]): Outgoing => ({
  source: {} as Outgoing['source'],
  kind: 'prediction',
  tag: 'm:1',
  record: rec(v),
  ...(more.length === 0 ? {} : { fanOut: more.map((m) => ({ record: rec(m), tag: 'n:1' })) }),
});

test("an item's fan-out records go right after its own, in order, so a send keeps each input's predictions together", () => {
  const records = recordsOf([item('a'), item('b', 'b2', 'b3'), item('c')]);
  assert.deepEqual(
    records.map((r) => r.value?.toString()),
    ['a', 'b', 'b2', 'b3', 'c'],
  );
});
