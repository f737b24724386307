/**
 * The stages wired for delivery.guarantee exactly-once, in memory (the doubles of stages.test.ts and a
 * fake transactional broker): predictions and dead letters leave only in transactions that carry their
 * input offsets, nothing is committed outside them, transactions are paced and capped, and a planned
 * revocation waits for the transaction on the wire before the partitions are given up.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { FakeTransactionalBroker, holdCommits } from '../support/fake-transactions.ts';
import { batch, header, parsed, settle, setup } from '../support/stage-fakes.ts';

function exactlyOnce(broker: FakeTransactionalBroker, o: { maxRecords?: number; intervalMs?: number } = {}) {
  return {
    producer: broker.producer,
    transactionalId: 'scorer-0',
    commitRetryMs: 1000,
    maxRecords: o.maxRecords ?? 100,
    intervalMs: o.intervalMs ?? 0,
  };
}

test('exactly-once: predictions and dead letters leave in transactions with their offsets; nothing is committed outside them', async () => {
  const broker = new FakeTransactionalBroker();
  const { clock, producer, consumer, stages } = setup(undefined, { exactlyOnce: exactlyOnce(broker) });
  await stages.transactional?.start();
  await stages.intake.batch(batch(0, 0, [1, 'oops', 3]));
  await stages.intake.batch(batch(1, 0, [4, 5]));
  await settle(clock);
  assert.deepEqual(producer.sent, [], 'the plain producer is not used');
  assert.deepEqual(
    broker.visible.map((r) => r.topic),
    ['out', 'dlq', 'out', 'out', 'out'],
  );
  assert.equal(header(broker.visible[1], 'scorer.error.reason'), 'FEATURE_TYPE');
  assert.deepEqual(
    broker.visible.filter((r) => r.topic === 'out').map((r) => parsed(r).source_offset),
    [0, 2, 0, 1],
  );
  assert.deepEqual(Object.fromEntries(broker.committed), { 'in:0': 3, 'in:1': 2 });
  await stages.committer.commit();
  assert.deepEqual(consumer.commits, [], 'no offset commit outside the transactions');
  assert.equal(stages.intake.inSystem, 0, 'a committed transaction acknowledges its records');
});

test('exactly-once: transactions are paced by intervalMs and capped at maxRecords', async () => {
  const broker = new FakeTransactionalBroker();
  const { clock, stages } = setup(undefined, { exactlyOnce: exactlyOnce(broker, { maxRecords: 4, intervalMs: 50 }) });
  await stages.intake.batch(batch(0, 0, [1]));
  await settle(clock, 5);
  assert.equal(broker.commits, 1, 'the first goes at once');
  await stages.intake.batch(batch(0, 1, [2, 3]));
  await settle(clock, 5);
  assert.equal(broker.commits, 1, 'one that is not full waits for the interval');
  await stages.intake.batch(batch(0, 3, [4, 5, 6, 7, 8]));
  await settle(clock, 5);
  assert.equal(broker.commits, 2, 'a full one goes at once, with at most maxRecords');
  await settle(clock, 40);
  assert.equal(broker.commits, 3);
  assert.equal(broker.committed.get('in:0'), 8);
});

test('exactly-once: a planned revocation waits for the transaction on the wire, then gives the partition up', async () => {
  const broker = new FakeTransactionalBroker();
  const release = holdCommits(broker);
  const { clock, stages, assignment } = setup(undefined, { exactlyOnce: exactlyOnce(broker), revocation: { awaited: true, budgetMs: 5000 } });
  await stages.intake.batch(batch(0, 0, [1, 2, 3]));
  await settle(clock);
  let revoked = false;
  const revoking = stages.intake.revoked(assignment.slice(0, 1)).then(() => {
    revoked = true;
  });
  await settle(clock);
  assert.equal(revoked, false, 'the transaction carrying its offsets is still open');
  release();
  await settle(clock);
  await revoking;
  assert.equal(broker.committed.get('in:0'), 3, 'its offsets committed with its records before it was given up');
  assert.equal(broker.visible.length, 3);
});
