import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { BatchTimeModel } from '../../../src/batching/batch-time-model.ts';
import { type BatcherOptions, MicroBatcher } from '../../../src/batching/batcher.ts';
import { isScorerError } from '../../../src/errors.ts';
import { FakeClock } from '../../support/fake-clock.ts';

interface Dispatched {
  items: string[];
  at: number;
  oldestEnqueuedAt: number;
}

function setup(overrides: Partial<BatcherOptions<string>> = {}) {
  const clock = new FakeClock(1000);
  const batches: Dispatched[] = [];
  const batcher = new MicroBatcher<string>({
    maxBatchSize: 64,
    maxDelayMs: 2,
    slots: 1,
    clock,
    scheduler: clock,
    dispatch: (items, info) => batches.push({ items, at: clock.now(), oldestEnqueuedAt: info.oldestEnqueuedAt }),
    ...overrides,
  });
  return { clock, batches, batcher };
}

type Env = ReturnType<typeof setup>;

/** Feeds `perMs` rows per ms for 60 ms (one 50 ms rate window closes), then flushes them all out. */
function warmUp({ clock, batches, batcher }: Env, perMs: number): void {
  for (let i = 0; i < 60 * perMs; i++) {
    batcher.push('warm', `w${i}`);
    clock.advance(1 / perMs);
  }
  while (batcher.queued > 0 || batcher.inFlight > 0) {
    while (batcher.inFlight > 0) batcher.release();
    clock.advance(1);
  }
  batches.length = 0;
}

describe('MicroBatcher at low load', () => {
  it('sends a lone row at once: the smallest batch that keeps up is 1', () => {
    const { clock, batches, batcher } = setup();
    batcher.push('p0', 'a');
    assert.deepEqual(batches, [{ items: ['a'], at: 1000, oldestEnqueuedAt: 1000 }]);
    assert.deepEqual([batcher.minBatchSize, batcher.inFlight, batcher.queued, clock.pendingTimers], [1, 1, 0, 0]);
  });

  it('sends a lone row at once after load has stopped for a while', () => {
    const env = setup();
    warmUp(env, 10);
    assert.ok(env.batcher.minBatchSize > 1);
    env.clock.advance(60_000);
    env.batcher.push('p0', 'late');
    assert.deepEqual(
      env.batches.map((b) => b.items),
      [['late']],
    );
  });
});

describe('MicroBatcher under load', () => {
  // Priors α = 1 ms, β = 0.01 ms/row, one slot, λ = 10 rows/ms: b_min = ceil(10·1 / (1 − 10·0.01)) = 12.
  it('derives b_min from the arrival rate and the batch time model', () => {
    const env = setup();
    warmUp(env, 10);
    assert.ok(Math.abs(env.batcher.arrivalRate - 10_000) < 100, `rate ${env.batcher.arrivalRate}`);
    assert.equal(env.batcher.minBatchSize, 12);
  });

  it('waits for maxDelayMs when fewer than b_min rows are queued, then sends what it has', () => {
    const env = setup();
    warmUp(env, 10);
    const start = env.clock.now();
    for (const row of ['a', 'b', 'c']) {
      env.batcher.push('p0', row);
      env.clock.advance(0.1);
    }
    assert.deepEqual([env.batches.length, env.clock.pendingTimers, env.clock.nextTimerAt()], [0, 1, start + 2]);
    env.clock.advance(start + 1.99 - env.clock.now());
    assert.equal(env.batches.length, 0);
    env.clock.advance(0.01);
    assert.deepEqual(env.batches, [{ items: ['a', 'b', 'c'], at: start + 2, oldestEnqueuedAt: start }]);
    assert.equal(env.clock.pendingTimers, 0);
  });

  it('sends as soon as b_min rows are queued, and cancels the delay timer', () => {
    const env = setup();
    warmUp(env, 10);
    const bMin = env.batcher.minBatchSize;
    for (let i = 0; i < bMin - 1; i++) env.batcher.push(`p${i % 3}`, `r${i}`);
    assert.deepEqual([env.batches.length, env.clock.pendingTimers], [0, 1]);
    env.batcher.push('p0', 'last');
    assert.equal(env.batches.length, 1);
    assert.equal(env.batches[0]!.items.length, bMin);
    assert.equal(env.clock.pendingTimers, 0);
  });

  it('asks for full batches when no batch size keeps up (λβ >= slots)', () => {
    const env = setup({ model: new BatchTimeModel({ priorBeta: 0.2 }), maxBatchSize: 50 });
    warmUp(env, 10);
    assert.equal(env.batcher.minBatchSize, 50);
  });

  it('with maxDelayMs 0 never waits', () => {
    const env = setup({ maxDelayMs: 0 });
    warmUp(env, 10);
    env.batcher.push('p0', 'a');
    assert.deepEqual(
      env.batches.map((b) => b.items),
      [['a']],
    );
  });
});

describe('MicroBatcher limits', () => {
  it('caps batches at maxBatchSize', () => {
    const { batches, batcher } = setup({ maxBatchSize: 4 });
    batcher.push('p0', 'first');
    for (let i = 0; i < 10; i++) batcher.push('p0', `r${i}`);
    assert.equal(batcher.queued, 10);
    for (let i = 0; i < 3; i++) batcher.complete(batches.at(-1)!.items.length, 1);
    assert.deepEqual(
      batches.map((b) => b.items.length),
      [1, 4, 4, 2],
    );
    assert.equal(batcher.queued, 0);
  });

  it('keeps at most `slots` batches in flight and forms the next one when a slot frees', () => {
    const { batches, batcher } = setup({ slots: 3 });
    for (let i = 0; i < 5; i++) batcher.push('p0', `r${i}`);
    assert.deepEqual([batcher.inFlight, batcher.queued, batches.length], [3, 2, 3]);
    batcher.complete(1, 1);
    assert.deepEqual([batcher.inFlight, batcher.queued], [3, 0]);
    assert.deepEqual(batches.at(-1)!.items, ['r3', 'r4']);
  });

  it('takes rows round-robin across lanes, in order within each lane', () => {
    const { batches, batcher } = setup({ maxBatchSize: 6 });
    batcher.push('x', 'x1'); // occupies the only slot
    for (let i = 1; i <= 6; i++) batcher.push('a', `a${i}`);
    for (let i = 1; i <= 2; i++) batcher.push('b', `b${i}`);
    for (let i = 1; i <= 2; i++) batcher.push('c', `c${i}`);
    batcher.complete(1, 1);
    batcher.complete(6, 1);
    assert.deepEqual(
      batches.map((b) => b.items),
      [['x1'], ['a1', 'b1', 'c1', 'a2', 'b2', 'c2'], ['a3', 'a4', 'a5', 'a6']],
    );
  });

  it('reports the oldest enqueue time of each batch', () => {
    const { clock, batches, batcher } = setup();
    batcher.push('p0', 'a');
    clock.advance(1);
    batcher.push('p1', 'b');
    clock.advance(1);
    batcher.push('p2', 'c');
    batcher.complete(1, 1);
    assert.deepEqual(
      batches.map((b) => b.oldestEnqueuedAt),
      [1000, 1001],
    );
  });
});

describe('MicroBatcher lifecycle', () => {
  it('discard drops what is queued, disarms the timer and dispatches nothing more; batches in flight still complete', () => {
    const env = setup();
    warmUp(env, 10);
    env.batcher.push('p0', 'a');
    env.batcher.push('p1', 'b');
    assert.equal(env.clock.pendingTimers, 1);
    const sent = env.batches.length;
    assert.equal(env.batcher.discard(), 2);
    assert.deepEqual([env.batcher.queued, env.clock.pendingTimers], [0, 0]);
    env.batcher.push('p0', 'c');
    env.clock.advance(100);
    assert.deepEqual([env.batcher.queued, env.batches.length], [0, sent]);
  });

  it('feeds completions to the batch time model; release does not', () => {
    const { batcher } = setup({ slots: 4 });
    for (let i = 0; i < 4; i++) batcher.push('p0', `r${i}`);
    batcher.complete(1, 2.5);
    batcher.complete(1, 2.5);
    batcher.release();
    assert.equal(batcher.model.samples, 2);
  });

  it('throws when a batch completes with none in flight', () => {
    const { batcher } = setup();
    assert.throws(
      () => batcher.complete(1, 1),
      (err) => isScorerError(err, 'SCORER_ERR_INVARIANT'),
    );
    assert.throws(
      () => batcher.release(),
      (err) => isScorerError(err, 'SCORER_ERR_INVARIANT'),
    );
  });

  it('rejects invalid options', () => {
    for (const bad of [{ maxBatchSize: 0 }, { slots: 0 }, { slots: 1.5 }, { maxDelayMs: -1 }]) {
      assert.throws(
        () => setup(bad),
        (err) => isScorerError(err, 'SCORER_ERR_INVARIANT'),
        JSON.stringify(bad),
      );
    }
  });

  it('tolerates a dispatch that completes synchronously or pushes more rows', () => {
    const clock = new FakeClock();
    const batches: string[][] = [];
    let maxInFlight = 0;
    const batcher: MicroBatcher<string> = new MicroBatcher<string>({
      maxBatchSize: 3,
      maxDelayMs: 2,
      slots: 2,
      clock,
      scheduler: clock,
      dispatch(items) {
        batches.push(items);
        maxInFlight = Math.max(maxInFlight, batcher.inFlight);
        if (items.includes('r0')) batcher.push('q', 'extra');
        batcher.complete(items.length, 1);
      },
    });
    for (let i = 0; i < 7; i++) batcher.push('p', `r${i}`);
    assert.deepEqual([batcher.queued, batcher.inFlight], [0, 0]);
    assert.deepEqual(batches.flat().sort(), ['extra', 'r0', 'r1', 'r2', 'r3', 'r4', 'r5', 'r6']);
    assert.ok(maxInFlight <= 2);
  });
});

describe('MicroBatcher with batches queued at the workers (slots > workers)', () => {
  it('queues a second batch only when it is full, and any batch once a worker frees', () => {
    const { batches, batcher } = setup({ maxBatchSize: 4, slots: 2, workers: 1 });
    batcher.push('p0', 'a'); // the worker is free: goes at once
    for (const item of ['b', 'c', 'd']) batcher.push('p0', item);
    assert.deepEqual(
      batches.map((b) => b.items),
      [['a']],
      'three rows may not queue behind a running batch',
    );
    batcher.push('p0', 'e'); // four rows: a full batch may queue
    assert.deepEqual(
      batches.map((b) => b.items),
      [['a'], ['b', 'c', 'd', 'e']],
    );
    assert.equal(batcher.inFlight, 2);
    batcher.push('p0', 'f');
    batcher.complete(1, 1); // the worker takes the queued batch and is busy again: f waits
    assert.equal(batches.length, 2);
    batcher.complete(4, 1); // the worker is free: f goes, alone
    assert.deepEqual(
      batches.map((b) => b.items),
      [['a'], ['b', 'c', 'd', 'e'], ['f']],
    );
  });
});

describe('MicroBatcher cap from the batch-time line (targetBatchMs)', () => {
  /** Teaches the compute line s(b) = 1 + 0.1·b ms, with round trips twice as long (a batch queued behind another). */
  function teach(batcher: MicroBatcher<string>): void {
    for (const rows of [10, 20, 40, 80]) {
      for (let i = 0; i < rows; i++) batcher.push('teach', `t${rows}-${i}`);
      while (batcher.inFlight > 0) batcher.complete(rows, 2 * (1 + 0.1 * rows), 1 + 0.1 * rows);
    }
  }

  it('caps a batch at the most rows whose compute time fits the target, not at maxBatchSize', () => {
    const { batches, batcher } = setup({ maxBatchSize: 1024, targetBatchMs: 10 });
    teach(batcher);
    assert.equal(batcher.batchCap, 90, '(10 - 1) / 0.1: the round trip, twice as long, does not halve it');
    batches.length = 0;
    for (let i = 0; i < 200; i++) batcher.push('p0', `r${i}`);
    while (batcher.queued > 0) batcher.complete(batches.at(-1)?.items.length ?? 1, 1, 1 + 0.1 * (batches.at(-1)?.items.length ?? 1));
    assert.ok(
      batches.every((b) => b.items.length <= 90),
      `batch sizes ${batches.map((b) => b.items.length)}`,
    );
    assert.equal(
      batches.reduce((n, b) => n + b.items.length, 0),
      200,
    );
  });

  it('never above maxBatchSize, never below one row, and fixed without a target', () => {
    const cheap = setup({ maxBatchSize: 64, targetBatchMs: 10 });
    teach(cheap.batcher);
    assert.equal(cheap.batcher.batchCap, 64);
    const tight = setup({ maxBatchSize: 64, targetBatchMs: 0.5 });
    teach(tight.batcher);
    assert.equal(tight.batcher.batchCap, 1, 'a target below the fixed cost still lets one row through');
    const fixed = setup({ maxBatchSize: 64 });
    teach(fixed.batcher);
    assert.equal(fixed.batcher.batchCap, 64);
  });

  it('refuses a target that is not positive', () => {
    assert.throws(() => setup({ targetBatchMs: 0 }), isScorerError);
  });
});
