/**
 * Randomized interleavings of push, complete, release and time against the batcher, checking
 * after every step the rules it promises and, at the end, that every row left exactly once and in order
 * within its lane. Seeds replay exactly.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MicroBatcher } from '../../../src/batching/batcher.ts';
import { FakeClock } from '../../support/fake-clock.ts';
import { randomInt, seededRandom } from '../../support/seeded-random.ts';

interface Row {
  lane: string;
  seq: number;
  pushedAt: number;
}

interface Run {
  random: () => number;
  clock: FakeClock;
  batcher: MicroBatcher<Row>;
  slots: number;
  maxDelayMs: number;
  inFlight: Row[][];
  dispatched: Row[];
  queued: Set<Row>;
  nextSeq: number;
  /** Rows per burst, changed every so often so runs pass through low and high load. */
  burst: number;
  stats: { waits: number; timerBatches: number };
}

function start(seed: number): Run {
  const random = seededRandom(seed);
  const maxBatchSize = 1 + randomInt(random, 8);
  const slots = 1 + randomInt(random, 3);
  const maxDelayMs = [0, 1, 2, 5][randomInt(random, 4)]!;
  const clock = new FakeClock();
  let inTimer = false;
  const run: Run = {
    random,
    clock,
    batcher: undefined!,
    slots,
    maxDelayMs,
    inFlight: [],
    dispatched: [],
    queued: new Set(),
    nextSeq: 0,
    burst: 1,
    stats: { waits: 0, timerBatches: 0 },
  };
  run.batcher = new MicroBatcher<Row>({
    maxBatchSize,
    maxDelayMs,
    slots,
    clock,
    // Wraps the fake scheduler only to count the batches its timers form.
    scheduler: {
      setTimeout: (fn, ms) =>
        clock.setTimeout(() => {
          inTimer = true;
          fn();
          inTimer = false;
        }, ms),
    },
    rateWindowMs: 5,
    rateHalfLifeMs: 20,
    dispatch(items, info) {
      assert.ok(items.length >= 1 && items.length <= maxBatchSize, `batch of ${items.length}`);
      assert.ok(run.batcher.inFlight <= slots, 'more batches in flight than slots');
      assert.equal(info.oldestEnqueuedAt, Math.min(...items.map((r) => r.pushedAt)));
      for (const row of items) assert.ok(run.queued.delete(row), 'a row dispatched that was not queued');
      if (inTimer) run.stats.timerBatches++;
      run.inFlight.push(items);
      run.dispatched.push(...items);
    },
  });
  return run;
}

function step(run: Run): void {
  const { random, batcher, clock } = run;
  const roll = random();
  if (roll < 0.45) {
    // Kafka hands rows over in bursts: several at one instant.
    for (let i = randomInt(random, run.burst); i >= 0; i--) {
      const row = { lane: `p${randomInt(random, 5)}`, seq: run.nextSeq++, pushedAt: clock.now() };
      run.queued.add(row);
      batcher.push(row.lane, row);
    }
  } else if (roll < 0.7) {
    clock.advance(random() * 1.5);
  } else {
    if (run.inFlight.length === 0) return;
    const batch = run.inFlight.splice(randomInt(random, run.inFlight.length), 1)[0]!;
    if (random() < 0.1) batcher.release();
    else batcher.complete(batch.length, 1.5 + 0.05 * batch.length);
  }
}

function checkState(run: Run, context: string): void {
  const { batcher, clock } = run;
  assert.equal(batcher.queued, run.queued.size, context);
  assert.equal(batcher.inFlight, run.inFlight.length, context);
  if (batcher.inFlight < run.slots && batcher.queued > 0) {
    // Rows may wait with a slot free only below b_min, within the delay, timer set for the oldest.
    run.stats.waits++;
    const oldest = Math.min(...[...run.queued].map((r) => r.pushedAt));
    assert.ok(batcher.queued < batcher.minBatchSize, `${context}: ${batcher.queued} queued >= b_min`);
    assert.ok(clock.now() - oldest < run.maxDelayMs, `${context}: the oldest row waited past the delay`);
    assert.equal(clock.pendingTimers, 1, context);
    const due = oldest + run.maxDelayMs;
    assert.ok(Math.abs(clock.nextTimerAt()! - due) < 1e-9, `${context}: timer not at oldest + delay`);
  } else {
    assert.equal(clock.pendingTimers, 0, `${context}: a timer is armed with nothing to wait for`);
  }
}

function finish(run: Run, context: string): void {
  while (run.inFlight.length > 0 || run.batcher.queued > 0) {
    const batch = run.inFlight.shift();
    if (batch === undefined) run.clock.advance(run.maxDelayMs);
    else run.batcher.complete(batch.length, 1);
  }
  assert.deepEqual([run.batcher.queued, run.batcher.inFlight, run.clock.pendingTimers], [0, 0, 0], context);
  const seqs = run.dispatched.map((r) => r.seq);
  assert.equal(new Set(seqs).size, seqs.length, `${context}: a row was dispatched twice`);
  assert.equal(seqs.length, run.nextSeq, `${context}: a row was lost`);
  const lastByLane = new Map<string, number>();
  for (const row of run.dispatched) {
    assert.ok((lastByLane.get(row.lane) ?? -1) < row.seq, `${context}: lane ${row.lane} out of order`);
    lastByLane.set(row.lane, row.seq);
  }
}

describe('MicroBatcher under random interleavings', () => {
  it('never loses, duplicates or reorders rows within a lane, and never idles a free slot needlessly', () => {
    let waits = 0;
    let timerBatches = 0;
    for (let seed = 1; seed <= 60; seed++) {
      const run = start(seed);
      const context = `seed ${seed} (slots ${run.slots}, delay ${run.maxDelayMs})`;
      for (let i = 0; i < 600; i++) {
        if (i % 100 === 0) run.burst = 1 + randomInt(run.random, 12);
        step(run);
        checkState(run, `${context} step ${i}`);
      }
      finish(run, context);
      waits += run.stats.waits;
      timerBatches += run.stats.timerBatches;
    }
    // The interesting paths were exercised, not only the immediate ones.
    assert.ok(waits > 250, `only ${waits} waiting states`);
    assert.ok(timerBatches > 20, `only ${timerBatches} batches formed by the delay timer`);
  });
});
