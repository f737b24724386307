import assert from 'node:assert/strict';
import { test } from 'node:test';
import { EndSnapshot } from '../../../src/redrive/end-snapshot.ts';

test('records below the end are new once, again when delivered again, past-end at or after the end', () => {
  const snapshot = new EndSnapshot([{ partition: 0, start: 10, end: 13 }]);
  assert.equal(snapshot.take(0, 10), 'new');
  assert.equal(snapshot.take(0, 11), 'new');
  assert.equal(snapshot.take(0, 10), 'again');
  assert.equal(snapshot.take(0, 13), 'past-end');
  assert.equal(snapshot.take(1, 0), 'past-end', 'a partition that did not exist at the start');
  assert.equal(snapshot.done, false);
  assert.deepEqual(snapshot.unfinished(), [{ partition: 0, next: 12, end: 13 }]);
  assert.equal(snapshot.take(0, 12), 'new');
  assert.equal(snapshot.done, true);
});

test('position counts offsets from each start to its end; empty partitions are done from the start', () => {
  const snapshot = new EndSnapshot([
    { partition: 0, start: 0, end: 4 },
    { partition: 1, start: 5, end: 5 },
    { partition: 2, start: 2, end: 6 },
  ]);
  assert.deepEqual(snapshot.position(), { read: 0, total: 8 });
  snapshot.take(0, 1);
  snapshot.take(2, 5);
  assert.deepEqual(snapshot.position(), { read: 6, total: 8 }, 'a compaction gap counts as read');
  assert.deepEqual(
    snapshot.unfinished().map((p) => p.partition),
    [0],
  );
  assert.equal(new EndSnapshot([{ partition: 0, start: 7, end: 7 }]).done, true);
});
