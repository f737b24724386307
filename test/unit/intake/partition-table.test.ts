import assert from 'node:assert/strict';
import { test } from 'node:test';
import { PartitionTable } from '../../../src/intake/partition-table.ts';

const lanes = {
  laneOf: (topic: string) => (topic === 'flood' ? 'model-a' : 'model-b'),
  budgets: new Map([
    ['model-a', 10],
    ['model-b', 10],
  ]),
};

test("a lane's partitions share its budget: a full lane stops admitting on every partition that feeds it, and only those", () => {
  const table = new PartitionTable({ globalBudget: 100, partitionBudget: 50, lanes });
  const [a0, a1, b0] = table.assign([
    { topic: 'flood', partition: 0, epoch: 1 },
    { topic: 'flood', partition: 1, epoch: 1 },
    { topic: 'quiet', partition: 0, epoch: 1 },
  ]);
  if (a0 === undefined || a1 === undefined || b0 === undefined) throw new Error('three ledgers');
  for (let offset = 0; offset < 6; offset++) table.admit(a0, offset);
  for (let offset = 0; offset < 4; offset++) table.admit(a1, offset);
  assert.deepEqual(table.lane(a0), { used: 10, budget: 10 });
  assert.equal(table.overBudget(a0), true, 'the lane is full');
  assert.equal(table.overBudget(a1), true, 'its other partition, with room of its own, stops too');
  assert.equal(table.overBudget(b0), false, 'the other lane admits');
  table.committed([{ topic: 'flood', partition: 0, epoch: 1, offset: 3 }]);
  assert.deepEqual(table.lane(a1), { used: 7, budget: 10 }, 'a commit frees lane budget');
  table.revoke([{ topic: 'flood', partition: 1, epoch: 1 }]);
  assert.deepEqual(table.lane(a0), { used: 3, budget: 10 }, "a revoked partition's offsets leave its lane");
});

test('without lane budgets there is no lane, and the global budget alone applies', () => {
  const table = new PartitionTable({ globalBudget: 5, partitionBudget: 5 });
  const [ledger] = table.assign([{ topic: 't', partition: 0, epoch: 1 }]);
  if (ledger === undefined) throw new Error('one ledger');
  assert.equal(table.lane(ledger), undefined);
  for (let offset = 0; offset < 5; offset++) table.admit(ledger, offset);
  assert.equal(table.overBudget(ledger), true);
});
