/**
 * The switch at a batch boundary, in the wired stages: batches dispatched before serve() finish on the
 * version they were sent with (and are counted as holding it until they are done); batches after it go
 * to the new version; nothing is lost or reordered across the switch.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { BatchInput, ScoreRequest } from '../../../src/inference/pool.ts';
import { batch, parsed, settle, setup } from '../../support/stage-fakes.ts';

test('batches in flight finish on their version; the next ones go to the version served now', async () => {
  const { clock, pool, producer, stages } = setup();
  const versions: number[] = [];
  const score = pool.score.bind(pool);
  pool.score = (build) =>
    score(() => {
      const input = build() as BatchInput<ScoreRequest>;
      if (input.request.kind === 'score-records') versions.push(input.request.version);
      return input as ReturnType<typeof build>;
    });
  pool.hold = true;
  await stages.intake.batch(batch(0, 0, [1, 2, 3, 4, 5, 6]));
  await settle(clock, 3);
  const held = pool.held.length;
  assert.ok(held >= 1);
  assert.equal(stages.models.usesOfModel('m:3'), held);
  let unused = false;
  void stages.models.whenUnused({ model: 'm:3' }).then(() => (unused = true));

  assert.equal(stages.models.serve({ id: 'm:4', name: 'm', version: 4 }), true);
  assert.equal(stages.models.lane('m')?.id, 'm:4', 'the lane is named after what it serves now');
  assert.equal(stages.models.serve({ id: 'x:1', name: 'x', version: 1 }), false, 'no lane of that name');
  pool.hold = false;
  pool.release('in-order');
  await settle(clock);
  assert.equal(unused, true, 'the old version is free once its last batch is done');
  await stages.intake.batch(batch(0, 6, [7, 8]));
  await settle(clock);
  const first = versions.slice(0, held);
  assert.deepEqual(new Set(first), new Set([3]), 'dispatched before the switch: version 3');
  assert.deepEqual(new Set(versions.slice(held)), new Set([4]), 'after it: version 4');
  assert.deepEqual(
    producer.sent.map((r) => parsed(r).source_offset),
    [0, 1, 2, 3, 4, 5, 6, 7],
  );
});
