import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { systemClock, systemScheduler } from '../../../src/core/clock.ts';
import { FakeClock } from '../../support/fake-clock.ts';

describe('systemClock and systemScheduler', () => {
  it('the clock never goes backwards', () => {
    let last = systemClock.now();
    for (let i = 0; i < 1000; i++) {
      const now = systemClock.now();
      assert.ok(now >= last);
      last = now;
    }
  });

  it('runs a scheduled function, and not a cancelled one', async () => {
    const ran: string[] = [];
    systemScheduler.setTimeout(() => ran.push('kept'), 1);
    const cancel = systemScheduler.setTimeout(() => ran.push('cancelled'), 1);
    cancel();
    await sleep(20);
    assert.deepEqual(ran, ['kept']);
    cancel(); // harmless after the fact
  });
});

describe('FakeClock', () => {
  it('fires due timers in due order, ties in the order set, each at its due time', () => {
    const clock = new FakeClock(100);
    const fired: Array<[string, number]> = [];
    const at = (name: string) => () => fired.push([name, clock.now()]);
    clock.setTimeout(at('c'), 30);
    clock.setTimeout(at('a'), 10);
    clock.setTimeout(at('b1'), 20);
    clock.setTimeout(at('b2'), 20);
    clock.setTimeout(at('late'), 100);
    clock.advance(50);
    assert.deepEqual(fired, [
      ['a', 110],
      ['b1', 120],
      ['b2', 120],
      ['c', 130],
    ]);
    assert.deepEqual([clock.now(), clock.pendingTimers, clock.nextTimerAt()], [150, 1, 200]);
  });

  it('fires timers set while advancing when they fall due within the advance, and honours cancel', () => {
    const clock = new FakeClock();
    const fired: number[] = [];
    clock.setTimeout(() => clock.setTimeout(() => fired.push(clock.now()), 5), 5);
    const cancel = clock.setTimeout(() => fired.push(-1), 7);
    cancel();
    clock.advance(10);
    assert.deepEqual([fired, clock.pendingTimers], [[10], 0]);
  });
});
