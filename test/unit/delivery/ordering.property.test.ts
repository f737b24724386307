/**
 * The property that lets the ledger drop out-of-order acknowledgement tracking (the old commit gap): with
 * results completing in any order and sends failing at random, every partition's outcomes are sent once,
 * in offset order, and acknowledged in that order, so the commit watermark is always one past the
 * highest acknowledged offset (the gap is always zero).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Delivery } from '../../../src/delivery/delivery.ts';
import type { Outgoing } from '../../../src/delivery/outgoing.ts';
import { PartitionLedger } from '../../../src/intake/ledger.ts';
import { NO_HEADERS, type OutgoingRecord } from '../../../src/kafka/client.ts';
import { FakeClock } from '../../support/fake-clock.ts';
import { randomInt, seededRandom, shuffle } from '../../support/seeded-random.ts';
import { QUIET_LOG } from '../../support/stage-fakes.ts';

function run(seed: number) {
  const random = seededRandom(seed);
  const clock = new FakeClock();
  const sent: OutgoingRecord[] = [];
  const highestAcked = new Map<number, number>();
  const ledgers = [0, 1, 2].map((p) => new PartitionLedger({ topic: 't', partition: p, epoch: 1 }, { retired: () => undefined }));
  const delivery = new Delivery({
    transport: {
      async send(records) {
        if (random() < 0.3) throw new Error('broker hiccup');
        sent.push(...records);
      },
    },
    clock,
    scheduler: clock,
    log: QUIET_LOG,
    maxRecordsPerSend: 1 + randomInt(random, 20),
    retry: { initialMs: 1, maxMs: 4 },
    onAcknowledged: (outgoing) => {
      for (const o of outgoing) highestAcked.set((o.source.ledger as PartitionLedger).partition, o.source.offset);
      // The old commit gap, (highest acknowledged + 1) - watermark, must never be above zero.
      for (const ledger of ledgers) {
        const highest = highestAcked.get(ledger.partition);
        if (highest !== undefined) assert.ok((ledger.watermark() ?? 0) > highest, `seed ${seed}: partition ${ledger.partition} has a commit gap`);
      }
    },
    onSendFailure: () => undefined,
  });
  const outcomes: Outgoing[] = [];
  for (const ledger of ledgers) {
    let offset = randomInt(random, 5);
    for (let i = 0; i < 40 + randomInt(random, 40); i++) {
      offset += 1 + (random() < 0.1 ? randomInt(random, 3) : 0); // gaps: compaction, transaction markers
      ledger.admit(offset);
      const record = { topic: 'out', key: null, value: Buffer.from(`${ledger.partition}:${offset}`), headers: NO_HEADERS };
      outcomes.push({ source: { ledger, key: ledger.key, offset, timestamp: 0 }, kind: 'prediction', tag: 'm:1', record });
    }
  }
  return { random, clock, delivery, outcomes: shuffle(random, outcomes), sent, ledgers, highestAcked };
}

describe('ordered delivery under random completion order and send failures', () => {
  it('sends every outcome once, in offset order per partition, and acknowledges in that order', async () => {
    for (let seed = 1; seed <= 60; seed++) {
      const { random, clock, delivery, outcomes, sent, ledgers, highestAcked } = run(seed);
      while (outcomes.length > 0) {
        delivery.complete(outcomes.splice(0, 1 + randomInt(random, 6)));
        await new Promise((r) => setImmediate(r));
        clock.advance(random() * 3);
      }
      for (let i = 0; i < 200 && delivery.queued > 0; i++) {
        await new Promise((r) => setImmediate(r));
        clock.advance(5);
      }
      assert.equal(delivery.queued, 0, `seed ${seed}: everything acknowledged`);
      for (const ledger of ledgers) {
        const offsets = sent
          .map((r) => (r.value as Buffer).toString().split(':').map(Number))
          .filter(([p]) => p === ledger.partition)
          .map(([, o]) => o as number);
        assert.deepEqual(
          offsets,
          [...offsets].sort((a, b) => a - b),
          `seed ${seed}: partition ${ledger.partition} in offset order`,
        );
        assert.equal(new Set(offsets).size, offsets.length, `seed ${seed}: no duplicates`);
        assert.equal(ledger.watermark(), (highestAcked.get(ledger.partition) ?? -1) + 1, `seed ${seed}: the watermark is one past the highest acknowledged`);
      }
    }
  });
});
