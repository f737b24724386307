/**
 * The ordered sender's pacing (minIntervalMs, what delivery.transaction.intervalMs sets in exactly-once
 * mode): a send that is not full waits until the interval since the previous one passed, gathering what
 * arrives meanwhile; a full one goes at once; stop() ends the wait; without the option sends follow each
 * other at once.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { OrderedSender } from '../../../src/delivery/ordered-sender.ts';
import { NO_HEADERS } from '../../../src/kafka/client.ts';
import { FakeClock } from '../../support/fake-clock.ts';

/** A transport that acknowledges each send 5 ms after it began, recording when and what it sent. */
function sender(clock: FakeClock, minIntervalMs: number | undefined, maxRecordsPerSend = 100) {
  const sends: { at: number; items: number[] }[] = [];
  const s = new OrderedSender<number>({
    transport: {
      send: (_records, items) => {
        sends.push({ at: clock.now(), items: [...items] });
        return new Promise((resolve) => clock.setTimeout(resolve, 5));
      },
    },
    recordsOf: (items) => items.map((n) => ({ topic: 'out', key: null, value: Buffer.from(String(n)), headers: NO_HEADERS })),
    clock,
    scheduler: clock,
    maxRecordsPerSend,
    minIntervalMs,
    retry: { initialMs: 1, maxMs: 1 },
    onAcked: () => undefined,
    onSendError: () => undefined,
  });
  return { s, sends };
}

/** Moves the fake clock `ms` forward one millisecond at a time, letting promises settle in between. */
async function run(clock: FakeClock, ms: number): Promise<void> {
  for (let i = 0; i < ms; i++) {
    await new Promise((resolve) => setImmediate(resolve));
    clock.advance(1);
  }
  await new Promise((resolve) => setImmediate(resolve));
}

describe('ordered sender pacing', () => {
  it('a send that is not full begins minIntervalMs after the previous one began, with everything that arrived meanwhile', async () => {
    const clock = new FakeClock();
    const { s, sends } = sender(clock, 100);
    s.enqueue([1]);
    await run(clock, 10);
    s.enqueue([2]);
    await run(clock, 30);
    s.enqueue([3, 4]);
    await run(clock, 100);
    assert.deepEqual(sends, [
      { at: 0, items: [1] },
      { at: 100, items: [2, 3, 4] },
    ]);
    await s.idle();
  });

  it('after a quiet spell the next send goes at once', async () => {
    const clock = new FakeClock();
    const { s, sends } = sender(clock, 100);
    s.enqueue([1]);
    await run(clock, 250);
    s.enqueue([2]);
    await run(clock, 1);
    assert.deepEqual(
      sends.map((x) => x.at),
      [0, 250],
    );
  });

  it('a full send does not wait', async () => {
    const clock = new FakeClock();
    const { s, sends } = sender(clock, 100, 3);
    s.enqueue([1]);
    await run(clock, 10);
    s.enqueue([2, 3]);
    await run(clock, 1);
    s.enqueue([4]);
    await run(clock, 1);
    assert.deepEqual(sends, [
      { at: 0, items: [1] },
      { at: 11, items: [2, 3, 4] },
    ]);
  });

  it('stop() ends the wait: nothing more is sent and no timer is left', async () => {
    const clock = new FakeClock();
    const { s, sends } = sender(clock, 100);
    s.enqueue([1]);
    await run(clock, 10);
    s.enqueue([2]);
    await s.stop();
    await run(clock, 200);
    assert.equal(sends.length, 1);
    assert.equal(clock.pendingTimers, 0);
  });

  it('without minIntervalMs a send follows the acknowledgement of the previous one at once', async () => {
    const clock = new FakeClock();
    const { s, sends } = sender(clock, undefined);
    s.enqueue([1]);
    await run(clock, 1);
    s.enqueue([2]);
    await run(clock, 10);
    assert.deepEqual(
      sends.map((x) => x.at),
      [0, 5],
    );
  });
});
