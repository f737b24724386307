import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CommitConfirmations } from '../../../src/kafka/kafkajs/commit-confirmations.ts';

const sent = [
  { topic: 'in', partition: 0, offset: '12' },
  { topic: 'in', partition: 1, offset: '40' },
];

test('a commit kafkajs reported in COMMIT_OFFSETS is confirmed; one it dropped is not', () => {
  const confirmations = new CommitConfirmations();
  assert.deepEqual(confirmations.unconfirmed(sent), sent, 'nothing reported: the whole commit was dropped');
  confirmations.record({ topics: [{ topic: 'in', partitions: [{ partition: 0, offset: '12' }] }] });
  assert.deepEqual(confirmations.unconfirmed(sent), [sent[1]], 'partition 1 was not in the report');
  confirmations.record({ topics: [{ topic: 'in', partitions: [{ partition: 1, offset: '40' }] }] });
  assert.deepEqual(confirmations.unconfirmed(sent), []);
});

test('an older report of the partition does not confirm a newer offset', () => {
  const confirmations = new CommitConfirmations();
  confirmations.record({ topics: [{ topic: 'in', partitions: [{ partition: '0', offset: '11' }] }] });
  assert.deepEqual(confirmations.unconfirmed([sent[0]!]), [sent[0]], 'offset 11 was committed, 12 was not');
  // What kafkajs really reports: the offset as a Long (anything whose text is the decimal offset).
  confirmations.record({ topics: [{ topic: 'in', partitions: [{ partition: '0', offset: { toString: () => '12' } }] }] });
  assert.deepEqual(confirmations.unconfirmed([sent[0]!]), [], 'an offset given as a Long, a partition as a string');
});
