import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MicroBatcher } from '../../../src/batching/batcher.ts';
import { SlotGate } from '../../../src/batching/slot-gate.ts';
import { FakeClock } from '../../support/fake-clock.ts';

describe('SlotGate', () => {
  it('lets a lone lane use every slot (work-conserving), and no lane more than there are', () => {
    const gate = new SlotGate(3);
    const a = gate.seat(() => {});
    assert.deepEqual([a.tryAcquire(), a.tryAcquire(), a.tryAcquire(), a.tryAcquire()], [true, true, true, false]);
    assert.equal(gate.used, 3);
  });

  it('gives a freed slot to the waiting lane, not back to the lane that holds them all', () => {
    const gate = new SlotGate(2);
    const taken: string[] = [];
    // As a batcher does: a woken lane tries again at once.
    const a = gate.seat(() => {});
    const b = gate.seat(() => taken.push(b.tryAcquire() ? 'b took it' : 'b refused'));
    assert.ok(a.tryAcquire() && a.tryAcquire());
    assert.equal(b.tryAcquire(), false, 'every slot is taken');
    a.release();
    assert.deepEqual(taken, ['b took it']);
    assert.equal(a.tryAcquire(), false, 'no slot is free');
    a.release();
    assert.equal(b.tryAcquire(), false, 'b is at its fair share of one while a waits');
    assert.equal(a.tryAcquire(), true, 'a gets its share back');
  });

  it('wakes the waiting lane with the fewest batches in flight first', () => {
    const gate = new SlotGate(3);
    const woken: string[] = [];
    const a = gate.seat(() => woken.push('a'));
    const b = gate.seat(() => woken.push('b'));
    const c = gate.seat(() => woken.push('c'));
    assert.ok(a.tryAcquire() && a.tryAcquire() && b.tryAcquire());
    assert.equal(c.tryAcquire(), false);
    assert.equal(b.tryAcquire(), false);
    a.release();
    assert.deepEqual(woken, ['c', 'b'], 'c holds none, b holds one');
  });

  it('refuses a release without an acquire', () => {
    const seat = new SlotGate(1).seat(() => {});
    assert.throws(() => seat.release(), RangeError);
  });
});

describe('MicroBatcher with a shared gate', () => {
  it('a flooded lane holds only its share of the slots while another lane has rows', () => {
    const clock = new FakeClock(0);
    const gate = new SlotGate(2);
    const dispatched: string[] = [];
    const batcher = (name: string) =>
      new MicroBatcher<string>({
        maxBatchSize: 4,
        maxDelayMs: 0,
        slots: 2,
        workers: 1,
        gate,
        clock,
        scheduler: clock,
        dispatch: (items) => dispatched.push(`${name}:${items.length}`),
      });
    const flood = batcher('flood');
    const quiet = batcher('quiet');
    for (let i = 0; i < 40; i++) flood.push('p0', `f${i}`);
    assert.equal(flood.inFlight, 2, 'alone, the flood takes both slots');
    quiet.push('q0', 'q');
    assert.equal(quiet.inFlight, 0, 'both slots are busy');
    flood.release();
    assert.equal(quiet.inFlight, 1, "the freed slot went to the quiet lane's waiting row");
    assert.equal(flood.inFlight, 1);
    assert.equal(dispatched.at(-1), 'quiet:1');
    flood.release();
    assert.equal(flood.inFlight, 1, 'the flood gets its share back');
  });
});
