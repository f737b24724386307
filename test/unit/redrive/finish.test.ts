import assert from 'node:assert/strict';
import { test } from 'node:test';
import { EndSnapshot } from '../../../src/redrive/end-snapshot.ts';
import { type Finish, IDLE_MS, POLL_MS, untilFinished } from '../../../src/redrive/finish.ts';
import { FakeClock } from '../../support/fake-clock.ts';

function watch(overrides: { cancelled?: () => boolean; failed?: Promise<Error> } = {}) {
  const clock = new FakeClock();
  const snapshot = new EndSnapshot([{ partition: 0, start: 0, end: 2 }]);
  const state = { read: 0, holding: 0, assigned: true, ticks: 0 };
  let outcome: Finish | Error | undefined;
  untilFinished({
    snapshot,
    read: () => state.read,
    holding: () => state.holding,
    assigned: () => state.assigned,
    cancelled: overrides.cancelled ?? (() => false),
    failed: overrides.failed ?? new Promise<Error>(() => {}),
    tick: () => state.ticks++,
    now: () => clock.now(),
    scheduler: clock,
  }).then(
    (finish) => (outcome = finish),
    (error: Error) => (outcome = error),
  );
  return { clock, snapshot, state, outcome: () => outcome };
}

const settle = () => new Promise((resolve) => setImmediate(resolve));

test('finished once every partition is read to its end and nothing is held', async () => {
  const w = watch();
  w.snapshot.take(0, 0);
  w.snapshot.take(0, 1);
  w.state.read = 2;
  w.state.holding = 1;
  w.clock.advance(POLL_MS * 3);
  await settle();
  assert.equal(w.outcome(), undefined, 'an outcome not yet acknowledged holds it');
  w.state.holding = 0;
  w.clock.advance(POLL_MS);
  await settle();
  assert.deepEqual(w.outcome(), { finished: true, idle: [] });
  assert.ok(w.state.ticks >= 4, 'backpressure is evaluated on every poll');
});

test('a partition that delivers nothing more for IDLE_MS counts as read, and is named', async () => {
  const w = watch();
  w.snapshot.take(0, 0);
  w.state.read = 1;
  w.clock.advance(IDLE_MS - POLL_MS);
  await settle();
  assert.equal(w.outcome(), undefined);
  // Quiet from the first poll that saw no new record (one poll after the read).
  w.clock.advance(POLL_MS * 3);
  await settle();
  assert.deepEqual(w.outcome(), { finished: true, idle: [{ partition: 0, next: 1, end: 2 }] });
});

test('idleness counts only while assigned and holding nothing, from the last record read', async () => {
  const w = watch();
  w.state.assigned = false;
  w.clock.advance(IDLE_MS * 2);
  w.state.assigned = true;
  w.state.holding = 3;
  w.clock.advance(IDLE_MS * 2);
  w.state.holding = 0;
  w.clock.advance(IDLE_MS / 2);
  w.state.read = 1;
  w.clock.advance(IDLE_MS / 2 + POLL_MS);
  await settle();
  assert.equal(w.outcome(), undefined);
  w.clock.advance(IDLE_MS);
  await settle();
  assert.equal((w.outcome() as Finish).finished, true);
});

test('a signal ends the wait unfinished; a pipeline failure rejects it', async () => {
  let cancelled = false;
  const w = watch({ cancelled: () => cancelled });
  cancelled = true;
  w.clock.advance(POLL_MS);
  await settle();
  assert.deepEqual(w.outcome(), { finished: false, idle: [] });
  const failure = new Error('consumer stopped');
  const f = watch({ failed: Promise.resolve(failure) });
  await settle();
  assert.equal(f.outcome(), failure);
  assert.equal(f.clock.pendingTimers, 0, 'the poll stops');
});
