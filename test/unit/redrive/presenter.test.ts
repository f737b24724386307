import assert from 'node:assert/strict';
import { test } from 'node:test';
import { deadLetterRecord } from '../../../src/delivery/dead-letter.ts';
import type { ConsumedRecord } from '../../../src/kafka/client.ts';
import { EndSnapshot } from '../../../src/redrive/end-snapshot.ts';
import { parseFilter } from '../../../src/redrive/filter.ts';
import { DeadLetterPresenter } from '../../../src/redrive/presenter.ts';
import { RedriveTally } from '../../../src/redrive/tally.ts';

const DLQ = { topic: 'scores.dlq', partition: 1 };

/** A DLQ record at `dlqOffset` for the source record payments[2]@`sourceOffset`, as the scorer writes it. */
function fetched(dlqOffset: number, sourceOffset: number, reason: 'INFERENCE_FAILED' | 'JSON_DECODE' = 'INFERENCE_FAILED'): ConsumedRecord {
  const original = {
    offset: sourceOffset,
    timestamp: 1,
    key: Buffer.from('k'),
    value: Buffer.from('{"amount":1}'),
    headers: [['trace', Buffer.from('t')] as const],
  };
  const out = deadLetterRecord(
    DLQ.topic,
    { topic: 'payments', partition: 2, record: original, model: 'fraud:2' },
    reason,
    'boom',
    Date.parse('2026-11-30T12:00:00Z'),
  );
  return { offset: dlqOffset, timestamp: 99, key: out.key, value: out.value, headers: out.headers };
}

function presenter(options: { dryRun?: boolean; reasons?: string[] } = {}) {
  const tally = new RedriveTally();
  const snapshot = new EndSnapshot([{ partition: DLQ.partition, start: 0, end: 3 }]);
  const filter = parseFilter(options.reasons === undefined ? {} : { reason: options.reasons });
  return { tally, presenter: new DeadLetterPresenter({ filter, snapshot, tally, dryRun: options.dryRun ?? false }) };
}

test('a matching dead letter is admitted as its original record: bytes and headers as they were, the source as lineage', () => {
  const { tally, presenter: p } = presenter();
  const shown = p.present(DLQ, fetched(0, 77));
  assert.ok(shown);
  assert.deepEqual([shown.topic, shown.partition, shown.record.offset], ['payments', 2, 77]);
  assert.deepEqual(shown.record.headers, [['trace', Buffer.from('t')]]);
  assert.deepEqual([shown.record.key, shown.record.value], [Buffer.from('k'), Buffer.from('{"amount":1}')]);
  assert.equal(shown.record.timestamp, 99, "the DLQ record's timestamp: the original's is not kept");
  assert.deepEqual([tally.read, tally.matched], [1, 1]);
});

test('a record delivered again is admitted again but counted once; records past the end are neither', () => {
  const { tally, presenter: p } = presenter();
  assert.ok(p.present(DLQ, fetched(0, 77)));
  assert.ok(p.present(DLQ, fetched(0, 77)), 'admitted again: its first admission may have been dropped with a revoked partition');
  assert.equal(p.present(DLQ, fetched(3, 78)), undefined);
  assert.deepEqual([tally.read, tally.matched], [1, 1]);
});

test('filtered and foreign records are passed over and counted by why; a dry run counts matches and admits nothing', () => {
  const { tally, presenter: p } = presenter({ reasons: ['JSON_DECODE'] });
  assert.equal(p.present(DLQ, fetched(0, 1)), undefined);
  assert.equal(p.present(DLQ, { offset: 1, timestamp: 0, key: null, value: Buffer.from('x'), headers: [] }), undefined);
  assert.deepEqual(
    [...tally.skipped],
    [
      ['reason', 1],
      ['not-a-dead-letter', 1],
    ],
  );
  const dry = presenter({ dryRun: true });
  assert.equal(dry.presenter.present(DLQ, fetched(0, 1)), undefined);
  assert.equal(dry.tally.matched, 1);
});
