import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DLQ_HEADERS, deadLetterRecord, readDeadLetter } from '../../../src/delivery/dead-letter.ts';
import type { ConsumedRecord } from '../../../src/kafka/client.ts';

const original: ConsumedRecord = {
  offset: 41,
  timestamp: 1,
  key: Buffer.from('acct-1'),
  value: Buffer.from([0, 1, 2, 255]),
  headers: [
    ['traceparent', Buffer.from('00-abc-01')],
    ['traceparent', Buffer.from('repeated')],
  ],
};

const asConsumed = (offset: number, timestamp: number, out: ReturnType<typeof deadLetterRecord>): ConsumedRecord => ({
  offset,
  timestamp,
  key: out.key,
  value: out.value,
  headers: out.headers,
});

test('a DLQ record read back gives the reason, the source and the original record, its headers without the ones the contract added', () => {
  const failedAt = Date.parse('2026-11-30T12:00:00.123Z');
  const out = deadLetterRecord(
    'scores.dlq',
    { topic: 'payments', partition: 4, record: original, model: 'fraud:2' },
    'INFERENCE_FAILED',
    'the model threw',
    failedAt,
  );
  assert.deepEqual(readDeadLetter(asConsumed(7, 5000, out)), {
    reason: 'INFERENCE_FAILED',
    source: { topic: 'payments', partition: 4, offset: 41 },
    model: 'fraud:2',
    failedAt,
    timestamp: 5000,
    original: { offset: 41, timestamp: 5000, key: original.key, value: original.value, headers: original.headers },
  });
});

test('records that are not the scorer dead letters read back as nothing', () => {
  const out = deadLetterRecord('scores.dlq', { topic: 'payments', partition: 4, record: original }, 'TOMBSTONE', '', 0);
  const without = (name: string) => asConsumed(0, 0, { ...out, headers: out.headers.filter(([k]) => k !== name) });
  const replaced = (name: string, value: string) =>
    asConsumed(0, 0, { ...out, headers: out.headers.map(([k, v]) => [k, k === name ? Buffer.from(value) : v] as const) });
  assert.equal(readDeadLetter(original), undefined, 'no contract headers');
  assert.equal(readDeadLetter(without(DLQ_HEADERS.topic)), undefined);
  assert.equal(readDeadLetter(replaced(DLQ_HEADERS.reason, 'NOT_A_CODE')), undefined);
  assert.equal(readDeadLetter(replaced(DLQ_HEADERS.offset, 'x')), undefined);
  const unstamped = readDeadLetter(replaced(DLQ_HEADERS.failedAt, 'never'));
  assert.ok(unstamped && !('failedAt' in unstamped) && !('model' in unstamped), 'an unreadable time and an absent model are left out');
});
