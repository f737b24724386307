/**
 * A planned revocation, in memory (the stage doubles of test/support/stage-fakes.ts): where the consumer
 * waits, the partitions given up admit nothing more, their work in flight (batcher, workers, sender)
 * finishes, exactly the acknowledged watermark is committed, and only then does revoked() settle; the
 * partitions that stay keep flowing. Past the budget the rest is dropped; a consumer that does not wait
 * gets what was acknowledged committed at once.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { batch, parsed, settle, setup } from '../../support/stage-fakes.ts';

const range = (n: number, from = 0) => Array.from({ length: n }, (_, i) => from + i);
const AWAITED = { revocation: { awaited: true, budgetMs: 5000 } };

/** Resolves whether `promise` settled within a few rounds of the fake clock. */
async function settledSoon(promise: Promise<unknown>, clock: Parameters<typeof settle>[0]): Promise<boolean> {
  let done = false;
  void promise.then(() => (done = true));
  await settle(clock, 3);
  return done;
}

test('an awaited revocation finishes the partition’s work in flight, commits exactly it, then settles', async () => {
  const { clock, pool, producer, consumer, stages, assignment } = setup(undefined, AWAITED);
  pool.hold = true;
  assert.equal(await stages.intake.batch(batch(0, 0, range(10))), 10);
  await settle(clock, 2);
  const revoking = stages.intake.revoked(assignment.slice(0, 1));
  assert.equal(await settledSoon(revoking, clock), false, 'revoked() waits while the workers hold its rows');
  // Adapters deliver no batch of a partition after revoked(); one that was being admitted stops at once
  // (a batch always takes its first record, so that every client's position moves).
  const late = await stages.intake.batch(batch(0, 10, [1, 2, 3]));
  assert.ok(late <= 1, `a partition being given up admits no more than that (took ${late})`);
  for (let round = 0; round < 10 && !(await settledSoon(revoking, clock)); round++) {
    pool.release('in-order');
    await settle(clock, 3);
  }
  await revoking;
  assert.deepEqual(
    producer.sent.map((r) => parsed(r).source_offset),
    range(10 + late),
    'everything admitted was scored and sent',
  );
  assert.equal(consumer.last(0), 10 + late, 'the commit covers exactly what was sent');
  assert.equal(stages.table.get({ topic: 'in', partition: 0 }), undefined, 'the ledger ended once committed');
  assert.equal(stages.intake.inSystem, 0);
});

test('partitions that stay keep flowing while another one is revoked', async () => {
  const { clock, pool, producer, consumer, stages, assignment } = setup(undefined, AWAITED);
  pool.hold = true;
  await stages.intake.batch(batch(0, 0, range(4)));
  await settle(clock, 2);
  const revoking = stages.intake.revoked(assignment.slice(0, 1));
  assert.equal(await stages.intake.batch(batch(1, 0, range(4, 50))), 4, 'partition 1 still admits');
  for (let round = 0; round < 10; round++) {
    pool.release('in-order');
    await settle(clock, 3);
  }
  await revoking;
  const sent = producer.sent.map((r) => `${parsed(r).source_partition}:${parsed(r).source_offset}`);
  assert.deepEqual(sent.filter((s) => s.startsWith('1:')).length, 4, 'partition 1 was scored and sent');
  await stages.committer.commit();
  assert.equal(consumer.last(1), 4, 'and goes on committing');
  assert.ok(stages.table.get({ topic: 'in', partition: 1 }), 'partition 1 is still owned');
});

test('past the revocation budget the acknowledged part is committed and the rest dropped', async () => {
  const { clock, pool, producer, consumer, stages, assignment } = setup(
    { globalBudget: 1000, partitionBudget: 500 },
    {
      revocation: { awaited: true, budgetMs: 100 },
    },
  );
  await stages.intake.batch(batch(0, 0, range(3)));
  await settle(clock);
  assert.equal(producer.sent.length, 3);
  pool.hold = true;
  await stages.intake.batch(batch(0, 3, range(5)));
  await settle(clock, 2);
  const revoking = stages.intake.revoked(assignment.slice(0, 1));
  clock.advance(150);
  await settle(clock, 3);
  await revoking;
  assert.equal(consumer.last(0), 3, 'what was acknowledged is committed');
  pool.release('in-order');
  await settle(clock);
  assert.equal(producer.sent.length, 3, 'results that came after the budget are dropped, not sent');
  assert.equal(stages.intake.inSystem, 0, 'stale work retired');
});

test('a partition lost during the wait ends the wait and commits nothing more', async () => {
  const { clock, pool, consumer, stages, assignment } = setup(undefined, AWAITED);
  pool.hold = true;
  await stages.intake.batch(batch(0, 0, range(4)));
  await settle(clock, 2);
  const commits = consumer.commits.length;
  const revoking = stages.intake.revoked(assignment.slice(0, 1));
  stages.intake.lost(assignment.slice(0, 1));
  assert.equal(await settledSoon(revoking, clock), true, 'revoked() settles once the ownership is lost');
  assert.equal(consumer.commits.length, commits, 'nothing committed for a lost partition');
  pool.release('in-order');
  await settle(clock);
});

test('a consumer that does not wait gets what was acknowledged committed at once, the rest dropped', async () => {
  const { clock, pool, producer, consumer, stages, assignment } = setup();
  await stages.intake.batch(batch(0, 0, range(2)));
  await settle(clock);
  pool.hold = true;
  await stages.intake.batch(batch(0, 2, range(3)));
  await settle(clock, 2);
  await stages.intake.revoked(assignment.slice(0, 1));
  assert.equal(consumer.last(0), 2);
  pool.release('in-order');
  await settle(clock);
  assert.equal(producer.sent.length, 2, 'work in flight at the revocation is not sent');
});

test('shutdown during an awaited revocation stops the wait', async () => {
  const { clock, pool, consumer, stages, assignment } = setup(undefined, AWAITED);
  pool.hold = true;
  await stages.intake.batch(batch(0, 0, range(4)));
  await settle(clock, 2);
  const revoking = stages.intake.revoked(assignment.slice(0, 1));
  const draining = stages.drain(1000);
  assert.equal(await settledSoon(revoking, clock), true, 'the revocation gives way to the drain');
  pool.release('in-order');
  await settle(clock);
  clock.advance(1000);
  await settle(clock);
  await draining;
  assert.equal(consumer.last(0), undefined, 'nothing was acknowledged for partition 0 before it was given up');
});
