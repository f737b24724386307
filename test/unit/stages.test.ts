/**
 * Intake, the model stage and delivery wired together in memory (doubles for the pool, the producer,
 * the consumer and the clock). What is checked is the product's promise at the unit level: order per
 * partition, commits only of acknowledged work, dead letters for bad input, admission stopping at the
 * budget, bisecting, revocation, and a drain that commits exactly what was produced.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { batch, header, parsed, settle, setup } from '../support/stage-fakes.ts';

const range = (n: number, from = 0) => Array.from({ length: n }, (_, i) => from + i);

test('predictions leave in offset order per partition even when batches finish out of order', async () => {
  const { clock, pool, producer, consumer, stages } = setup();
  pool.hold = true;
  assert.equal(await stages.intake.batch(batch(0, 0, range(12), 1, 20)), 12);
  await settle(clock, 3);
  assert.ok(pool.held.length >= 2, 'several batches in flight');
  for (let round = 0; round < 10; round++) {
    pool.release('reverse');
    await settle(clock, 3);
  }
  const offsets = producer.sent.map((r) => parsed(r).source_offset);
  assert.deepEqual(offsets, range(12));
  assert.deepEqual(
    producer.sent.map((r) => parsed(r).score),
    offsets.map((x) => x / 100),
  );
  await stages.committer.commit();
  assert.equal(consumer.last(0), 12);
  assert.equal(stages.intake.inSystem, 0);
});

test('bad records become dead letters in their place, and commits pass them', async () => {
  const { clock, producer, consumer, stages } = setup();
  await stages.intake.batch(batch(1, 0, [1, 'oops', null, 4, 5]));
  await settle(clock);
  assert.deepEqual(
    producer.sent.map((r) => r.topic),
    ['out', 'dlq', 'dlq', 'out', 'out'],
  );
  assert.equal(header(producer.sent[1], 'scorer.error.reason'), 'FEATURE_TYPE');
  assert.equal(header(producer.sent[2], 'scorer.error.reason'), 'TOMBSTONE');
  assert.equal(header(producer.sent[1], 'scorer.source.offset'), '1');
  assert.equal(header(producer.sent[1], 'scorer.model'), 'm:3');
  await stages.committer.commit();
  assert.equal(consumer.last(1), 5);
});

test('nothing is committed before the brokers acknowledge; failed sends are retried in order', async () => {
  const { clock, producer, consumer, stages } = setup();
  producer.failNext = 2;
  await stages.intake.batch(batch(0, 0, [1, 2, 3]));
  await settle(clock, 3);
  await stages.committer.commit();
  assert.equal(consumer.last(0), undefined, 'no commit while the send fails');
  for (let i = 0; i < 3; i++) {
    clock.advance(1000);
    await settle(clock);
  }
  assert.deepEqual(
    producer.sent.map((r) => parsed(r).source_offset),
    [0, 1, 2],
  );
  await stages.committer.commit();
  assert.equal(consumer.last(0), 3);
});

test('admission stops at the partition budget and the partition is paused', async () => {
  const { clock, consumer, stages, pool } = setup({ globalBudget: 1000, partitionBudget: 5 });
  pool.hold = true;
  assert.equal(await stages.intake.batch(batch(0, 0, range(20))), 5, 'only the budget was taken; the rest is fetched again after resume');
  assert.ok(consumer.isPaused(0));
  assert.equal(stages.table.used, 5);
  for (let i = 0; i < 5; i++) {
    pool.release();
    await settle(clock, 3);
  }
  await stages.committer.commit();
  stages.intake.evaluateBackpressure();
  assert.ok(!consumer.isPaused(0), 'resumed once committed work drained');
});

test('at least one record is taken per batch, even over the budget', async () => {
  const { stages, pool } = setup({ globalBudget: 2, partitionBudget: 2 });
  pool.hold = true;
  assert.equal(await stages.intake.batch(batch(0, 0, [1, 2, 3])), 2);
  assert.equal(await stages.intake.batch(batch(0, 2, [3, 4])), 1, 'one, so every client position moves');
});

test('a batch the model fails on is bisected: only the failing row is dead-lettered', async () => {
  const { clock, producer, stages } = setup();
  await stages.intake.batch(batch(0, 0, [10, 11, 13, 12]));
  await settle(clock);
  const dead = producer.sent.filter((r) => r.topic === 'dlq');
  assert.equal(dead.length, 1);
  assert.equal(header(dead[0], 'scorer.error.reason'), 'INFERENCE_FAILED');
  assert.equal(header(dead[0], 'scorer.source.offset'), '2');
  assert.equal(producer.sent.filter((r) => r.topic === 'out').length, 3);
});

test('a batch from an ownership that ended is not taken', async () => {
  const { stages } = setup();
  assert.equal(await stages.intake.batch(batch(0, 0, [1, 2], 99)), 0);
});

test('after a revoke, late results are dropped and never move the new ownership’s commits', async () => {
  const { clock, pool, producer, consumer, stages, assignment } = setup();
  pool.hold = true;
  await stages.intake.batch(batch(0, 0, [1, 2, 3]));
  await settle(clock, 2);
  await stages.intake.revoked(assignment.slice(0, 1));
  stages.intake.assigned([{ topic: 'in', partition: 0, epoch: 7 }]);
  for (let i = 0; i < 3; i++) {
    pool.release();
    await settle(clock, 3);
  }
  await stages.committer.commit();
  assert.equal(consumer.last(0), undefined, 'the new ownership admitted nothing, so it commits nothing');
  assert.equal(producer.sent.length, 0, 'results of the revoked ownership are not sent: its next owner reads them again');
  assert.equal(stages.intake.inSystem, 0, 'stale work retired');
});

test('a revocation commits what was acknowledged for the partitions given up', async () => {
  const { clock, consumer, stages, assignment } = setup();
  await stages.intake.batch(batch(1, 0, [1, 2, 3]));
  await settle(clock);
  const before = consumer.commits.length;
  await stages.intake.revoked(assignment.slice(1));
  assert.deepEqual(consumer.commits.slice(before), [[{ topic: 'in', partition: 1, epoch: 2, offset: 3 }]]);
});

test('a commit asked for while another is in flight covers what was acknowledged after it started', async () => {
  const { clock, consumer, producer, stages } = setup();
  await stages.intake.batch(batch(0, 0, [1, 2]));
  await settle(clock);
  consumer.holdCommits = true;
  const first = stages.committer.commit();
  assert.deepEqual(consumer.commits.at(-1), [{ topic: 'in', partition: 0, epoch: 1, offset: 2 }], 'the first commit read offset 2');
  await stages.intake.batch(batch(0, 2, [3, 4, 5]));
  await settle(clock);
  assert.equal(producer.sent.length, 5, 'more was acknowledged while the first commit was on the wire');
  const last = stages.committer.commit();
  consumer.releaseCommits();
  await first;
  await settle(clock, 2);
  consumer.releaseCommits();
  await last;
  assert.equal(consumer.last(0), 5, 'the commit returned to a drain includes the last acknowledgements');
});

test('drain finishes what the workers hold, drops what is still queued, and commits exactly what was produced', async () => {
  const { clock, pool, consumer, producer, stages } = setup();
  pool.hold = true;
  await stages.intake.batch(batch(1, 0, range(20)));
  await settle(clock, 2);
  assert.equal(pool.held.length, 2, 'two batches in the workers, the rest queued');
  const drained = stages.drain(10_000);
  await settle(clock, 2);
  pool.release('in-order');
  await settle(clock);
  const { emptied, dropped } = await drained;
  assert.equal(emptied, true);
  assert.ok(dropped > 0 && dropped < 20, `queued rows were dropped (${dropped}), not scored`);
  assert.equal(pool.calls, 2, 'no batch was dispatched after the drain began');
  assert.deepEqual(
    producer.sent.map((r) => parsed(r).source_offset),
    range(20 - dropped),
  );
  assert.equal(consumer.last(1), 20 - dropped, 'committed exactly the produced prefix');
  assert.ok(consumer.isPaused(1), 'intake paused for shutdown');
  assert.equal(await stages.intake.batch(batch(1, 20, [7])), 0, 'nothing taken once stopping');
});

test('drain past its deadline stops the sender, waits for the send on the wire, and still commits', async () => {
  const { clock, consumer, producer, stages } = setup();
  producer.hold = true;
  await stages.intake.batch(batch(0, 0, [1, 2]));
  await settle(clock, 3);
  const drained = stages.drain(50);
  await settle(clock, 40);
  let done = false;
  void drained.then(() => (done = true));
  await settle(clock, 3);
  assert.equal(done, false, 'the drain does not return while a send is on the wire');
  producer.releaseSends();
  assert.deepEqual(await drained, { emptied: false, dropped: 0 });
  await settle(clock);
  assert.ok(producer.sent.length >= 1, 'the send on the wire completed');
  assert.equal(consumer.last(0), producer.sent.length, 'what was acknowledged, and only that, was committed');
});

test('a batch the worker cannot finish is bisected: the rows it fails on alone go to the DLQ as INTERNAL_ERROR, the rest are scored', async () => {
  const { clock, pool, producer, stages, fatal } = setup();
  pool.bugAt = new Set([1, 2]);
  await stages.intake.batch(batch(0, 0, [1, 2, 3, 4]));
  await settle(clock);
  await stages.intake.batch(batch(0, 4, [5, 6, 7, 8, 9, 10, 11]));
  await settle(clock);
  assert.deepEqual(fatal, []);
  const dead = producer.sent.filter((r) => r.topic === 'dlq');
  assert.deepEqual(
    dead.map((r) => [header(r, 'scorer.source.offset'), header(r, 'scorer.error.reason')]),
    [
      ['1', 'INTERNAL_ERROR'],
      ['2', 'INTERNAL_ERROR'],
    ],
  );
  assert.match(header(dead[0], 'scorer.error.message') ?? '', /worker bug/);
  assert.equal(producer.sent.filter((r) => r.topic === 'out').length, 9, 'every other record was scored, later batches too');
});
