import assert from 'node:assert/strict';
import { describe, it, type TestContext } from 'node:test';
import type { Message, Producer, ProducerRecord } from 'kafkajs';
import { OpenLoopProducer } from '../../../loadgen/open-loop-producer.ts';
import { OpenLoopSchedule } from '../../../loadgen/schedule.ts';
import type { LoadProfile } from '../../../loadgen/types.ts';

const T0 = 1_000_000;

interface PendingSend {
  readonly messages: Message[];
  resolve(): void;
  reject(error: Error): void;
}

/** A producer whose sends settle only when the test says so; records carry their intended time as value. */
function harness(t: TestContext, profile: LoadProfile, maxInFlight = 2, count?: number) {
  t.mock.timers.enable({ apis: ['setTimeout'] });
  const sends: PendingSend[] = [];
  const producer = {
    send: (record: ProducerRecord) => new Promise<void>((resolve, reject) => sends.push({ messages: record.messages, resolve: () => resolve(), reject })),
  } as unknown as Producer;
  let now = T0;
  const schedule = new OpenLoopSchedule(profile, count);
  const open = new OpenLoopProducer({
    producer,
    topic: 'in',
    records: { next: (intended) => ({ value: String(intended), timestamp: String(intended) }) },
    schedule,
    clock: () => now,
    maxInFlight,
    maxBatch: 10,
    tickMs: 2,
  });
  return {
    open,
    schedule,
    sends,
    /** Moves the injected clock and the mocked timers together, tick by tick. */
    advance(ms: number) {
      for (let i = 0; i < ms; i += 2) {
        now += 2;
        t.mock.timers.tick(2);
      }
    },
  };
}

const intended = (send: PendingSend | undefined): number[] => (send?.messages ?? []).map((m) => Number(m.value) - T0);
const settle = () => new Promise<void>((resolve) => setImmediate(resolve));

describe('OpenLoopProducer', () => {
  it('keeps to the schedule while sends are unacknowledged, up to the in-flight bound', (t) => {
    const h = harness(t, { phases: [{ rate: 1000, durationMs: 100 }] });
    void h.open.run(T0);
    assert.deepEqual(intended(h.sends[0]), [0], 'the first event goes at once');
    h.advance(2);
    assert.deepEqual(intended(h.sends[1]), [1, 2], 'the next tick sends what came due, without waiting for the first ack');
    h.advance(20);
    assert.equal(h.sends.length, 2, 'no third send while two are in flight');
    assert.equal(h.open.behind, 23 - 3, 'events due by 22 ms and not yet sent');
  });

  it('sends the backlog late when acks return, stamped with the intended times', async (t) => {
    const h = harness(t, { phases: [{ rate: 1000, durationMs: 100 }] });
    void h.open.run(T0);
    h.advance(22);
    h.sends[0]?.resolve();
    await settle();
    assert.deepEqual(intended(h.sends[2]), [3, 4, 5, 6, 7, 8, 9, 10, 11, 12], 'the oldest due events, with their own times');
    assert.equal(h.sends.length, 3, 'back at the bound');
    assert.equal(h.open.sent, 1);
    assert.equal(h.open.behind, 23 - 13);
  });

  it('counts a failed send and carries on', async (t) => {
    const h = harness(t, { phases: [{ rate: 1000, durationMs: 10 }] }, 8);
    const done = h.open.run(T0);
    h.advance(12);
    h.sends[1]?.reject(new Error('broker said no'));
    for (const send of h.sends) send.resolve();
    await settle();
    h.advance(2);
    await done;
    assert.equal(h.open.sendErrors, h.sends[1]?.messages.length);
    assert.equal(h.open.lastError, 'broker said no');
    assert.equal(h.open.sent + h.open.sendErrors, 10, 'every scheduled event was either acknowledged or failed');
    assert.equal(h.open.sentInPhase(0), h.open.sent);
  });

  it('books acknowledgements to the phase each event was due in', async (t) => {
    const h = harness(
      t,
      {
        phases: [
          { rate: 500, durationMs: 10 },
          { rate: 1000, durationMs: 10 },
        ],
      },
      1,
    );
    const done = h.open.run(T0);
    h.advance(30);
    for (let i = 0; i < 10 && h.sends.length > i; i++) {
      h.sends[i]?.resolve();
      await settle();
    }
    h.advance(2);
    await done;
    assert.deepEqual([h.open.sentInPhase(0), h.open.sentInPhase(1), h.open.sent], [5, 10, 15]);
    assert.deepEqual([h.open.ackedDuringPhase(0), h.open.ackedDuringPhase(1)], [0, 0], 'all acknowledged after the schedule ended');
  });

  it('counts as achieved in a phase only what was acknowledged while it ran', async (t) => {
    const h = harness(
      t,
      {
        phases: [
          { rate: 1000, durationMs: 10 },
          { rate: 1000, durationMs: 10 },
        ],
      },
      8,
    );
    const done = h.open.run(T0);
    let acked = 0;
    const ackAll = async () => {
      for (; acked < h.sends.length; acked++) h.sends[acked]?.resolve();
      await settle();
    };
    for (let ms = 0; ms < 6; ms += 2) {
      await ackAll();
      h.advance(2);
    }
    h.advance(10);
    await ackAll();
    h.advance(12);
    await ackAll();
    await done;
    assert.deepEqual([h.open.sentInPhase(0), h.open.sentInPhase(1)], [10, 10]);
    assert.equal(h.open.ackedDuringPhase(0), 5, 'events 0-4 acknowledged by 4 ms, the rest of phase 0 only at 16 ms');
    assert.equal(h.open.ackedDuringPhase(1), 5 + 7, 'at 16 ms: events 5-9 of phase 0 and 0-6 of phase 1 (7-9 after the end)');
  });

  it('in a max phase, refills on every ack and stops at the count', async (t) => {
    const h = harness(t, { phases: [{ rate: 'max', durationMs: Infinity }] }, 2, 35);
    const done = h.open.run(T0);
    assert.deepEqual(
      h.sends.map((s) => s.messages.length),
      [10, 10],
      'fills the in-flight bound at once',
    );
    h.sends[0]?.resolve();
    await settle();
    h.sends[1]?.resolve();
    await settle();
    assert.deepEqual(
      h.sends.map((s) => s.messages.length),
      [10, 10, 10, 5],
    );
    h.sends[2]?.resolve();
    h.sends[3]?.resolve();
    await done;
    assert.equal(h.open.sent, 35);
  });

  it('stop() ends scheduling and drops what was not yet sent', async (t) => {
    const h = harness(t, { phases: [{ rate: 1000, durationMs: 1000 }] }, 1);
    const done = h.open.run(T0);
    h.advance(10);
    h.open.stop();
    assert.equal(h.open.behind, 0);
    h.sends[0]?.resolve();
    await done;
    assert.equal(h.open.sent, 1);
    assert.equal(h.schedule.endedAtMs, 10);
  });
});
