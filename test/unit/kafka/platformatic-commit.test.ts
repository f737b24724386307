import assert from 'node:assert/strict';
import { test } from 'node:test';
import { assignedKeys, checkOwnership } from '../../../src/kafka/platformatic/commit.ts';
import { Ownership } from '../../../src/kafka/platformatic/ownership.ts';

test('an offset goes when its epoch owns the partition in the request generation, or the current assignment still holds it', () => {
  const ownership = new Ownership();
  const [kept, moved] = ownership.assign(
    [
      { topic: 't', partition: 0 },
      { topic: 't', partition: 1 },
    ],
    5,
  );
  if (kept === undefined || moved === undefined) throw new Error('two ownerships');
  const offsets = [
    { topic: 't', partition: 0, epoch: kept.epoch, offset: 10 },
    { topic: 't', partition: 1, epoch: moved.epoch, offset: 20 },
  ];
  assert.deepEqual(checkOwnership(ownership, 5, offsets).refused, [], 'the generation they began in');
  // Generation 6: this member has not recorded the join yet; the library's assignment keeps partition 0 only.
  const assigned = assignedKeys({ assignments: [{ topic: 't', partitions: [0] }] });
  const { send, refused } = checkOwnership(ownership, 6, offsets, assigned);
  assert.deepEqual(
    send.map((o) => o.partition),
    [0],
    'the kept partition still commits',
  );
  assert.deepEqual(
    refused.map((o) => o.partition),
    [1],
    'one the assignment no longer holds does not',
  );
  assert.deepEqual(checkOwnership(ownership, 6, [{ ...offsets[0]!, epoch: kept.epoch + 100 }], assigned).refused.length, 1, 'another epoch never commits');
});
