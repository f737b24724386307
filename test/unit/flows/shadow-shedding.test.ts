/** When shadow work is shed: a backlog or saturation when the batch is formed, and a cool-down after it. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { COOL_DOWN_MS, ShadowShedding } from '../../../src/flows/shadow-shedding.ts';
import { FakeClock } from '../../support/fake-clock.ts';

const calm = { queuedRows: 0, batchesInFlight: 1, threads: 2 };

test('no pressure, no shedding: a batch that took every queued row, with a thread to spare', () => {
  const shedding = new ShadowShedding(new FakeClock());
  assert.equal(shedding.shed(calm), false);
  assert.equal(shedding.shed({ ...calm, batchesInFlight: 2 }), false, 'one batch per thread is not saturation');
});

test('a backlog sheds: rows stayed behind in the batcher', () => {
  assert.equal(new ShadowShedding(new FakeClock()).shed({ ...calm, queuedRows: 1 }), true);
});

test('saturation sheds: more batches in flight than threads', () => {
  assert.equal(new ShadowShedding(new FakeClock()).shed({ ...calm, batchesInFlight: 3 }), true);
});

test('after the last sign of pressure, shadow work stays shed for the cool-down, then resumes', () => {
  const clock = new FakeClock();
  const shedding = new ShadowShedding(clock);
  assert.equal(shedding.shed({ ...calm, queuedRows: 500 }), true);
  clock.advance(COOL_DOWN_MS / 2);
  assert.equal(shedding.shed({ ...calm, queuedRows: 10 }), true, 'pressure again: the cool-down starts over');
  clock.advance(COOL_DOWN_MS - 1);
  assert.equal(shedding.shed(calm), true, 'calm, but within the cool-down');
  clock.advance(1);
  assert.equal(shedding.shed(calm), false);
});
