/**
 * The exactly-once transport against a fake transactional broker: one transaction per send carrying one
 * past the last offset of each partition, records of given-up partitions left out, aborts and a new
 * producer on failures before commit, a commit sent again while unanswered and its outcome read back,
 * a transaction the coordinator timed out recovered by registering again under the old identity, and a
 * fenced producer stopping everything. The property test drives the ordered sender through random
 * failures at every step (including commits that took effect although no answer came, and epochs the
 * coordinator ended) and checks what a read_committed consumer would see: every offset exactly once, in
 * order.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Delivery } from '../../../src/delivery/delivery.ts';
import type { Outgoing } from '../../../src/delivery/outgoing.ts';
import { defaultTransactionalId, TransactionalDelivery, transactionContents } from '../../../src/delivery/transactional.ts';
import { PartitionLedger } from '../../../src/intake/ledger.ts';
import { type CommitOffset, type GroupConsumer, NO_HEADERS } from '../../../src/kafka/client.ts';
import { FakeClock } from '../../support/fake-clock.ts';
import { FakeTransactionalBroker, type Fate, failure, holdCommits, overrideTransactions } from '../../support/fake-transactions.ts';
import { randomInt, seededRandom, shuffle } from '../../support/seeded-random.ts';
import { QUIET_LOG } from '../../support/stage-fakes.ts';

const CONSUMER = {} as GroupConsumer;

function transport(broker: FakeTransactionalBroker, clock: FakeClock, overrides: { commitRetryMs?: number; maxRecordsPerRequest?: number } = {}) {
  const committed: CommitOffset[][] = [];
  const fatal: Error[] = [];
  const transactions: boolean[] = [];
  const t = new TransactionalDelivery({
    source: { committed: (offsets) => committed.push([...offsets]) },
    consumer: CONSUMER,
    producer: broker.producer,
    transactionalId: 'scorer-0',
    maxRecordsPerRequest: overrides.maxRecordsPerRequest ?? 1000,
    commitRetryMs: overrides.commitRetryMs ?? 1000,
    retry: { initialMs: 10, maxMs: 40 },
    clock,
    scheduler: clock,
    log: QUIET_LOG,
    recordTransaction: (ok) => transactions.push(ok),
    onFatal: (error) => fatal.push(error),
  });
  return { t, committed, fatal, transactions };
}

function ledger(partition: number, epoch = 7): PartitionLedger {
  return new PartitionLedger({ topic: 'in', partition, epoch }, { retired: () => undefined });
}

/** Admitted, completed and released outcomes of `ledger` for these offsets. */
function outcomes(l: PartitionLedger, offsets: readonly number[]): Outgoing[] {
  const out: Outgoing[] = [];
  for (const offset of offsets) {
    l.admit(offset);
    const record = { topic: 'out', key: null, value: Buffer.from(`${l.partition}:${offset}`), headers: NO_HEADERS };
    l.complete(offset, { source: { ledger: l, key: l.key, offset, timestamp: 0 }, kind: 'prediction', tag: 'm:1', record });
  }
  l.release(out);
  return out;
}

const records = (items: readonly Outgoing[]) => items.map((o) => o.record);

/** Runs `promise` while moving the fake clock, so backoffs pass. */
async function drive<T>(clock: FakeClock, promise: Promise<T>): Promise<T> {
  let settled = false;
  const done = promise.finally(() => {
    settled = true;
  });
  done.catch(() => undefined); // the caller awaits it below; a rejection meanwhile is not unhandled
  for (let i = 0; i < 10_000 && !settled; i++) {
    await new Promise((resolve) => setImmediate(resolve));
    clock.advance(5);
  }
  return done;
}

describe('exactly-once transport', () => {
  it('commits one transaction per send with one past the last offset of each partition, under its epoch', async () => {
    const clock = new FakeClock();
    const broker = new FakeTransactionalBroker();
    const { t, committed, transactions } = transport(broker, clock);
    const a = ledger(0, 3);
    const b = ledger(1, 4);
    const items = [...outcomes(a, [5, 6, 9]), ...outcomes(b, [0, 1])];
    await t.send(records(items), items);
    assert.deepEqual(
      broker.visible.map((r) => r.value?.toString()),
      ['0:5', '0:6', '0:9', '1:0', '1:1'],
    );
    assert.deepEqual(committed, [
      [
        { topic: 'in', partition: 0, epoch: 3, offset: 10 },
        { topic: 'in', partition: 1, epoch: 4, offset: 2 },
      ],
    ]);
    assert.deepEqual(transactions, [true]);
  });

  it('leaves out the records of partitions given up; a send of only those commits nothing', async () => {
    const clock = new FakeClock();
    const broker = new FakeTransactionalBroker();
    const { t, committed } = transport(broker, clock);
    const kept = ledger(0);
    const gone = ledger(1);
    const items = [...outcomes(kept, [0, 1]), ...outcomes(gone, [0, 1, 2])];
    gone.revoke();
    const contents = transactionContents(records(items), items);
    assert.equal(contents.dropped, 3);
    await t.send(records(items), items);
    assert.deepEqual(
      broker.visible.map((r) => r.value?.toString()),
      ['0:0', '0:1'],
    );
    assert.deepEqual(
      committed[0]?.map((o) => o.partition),
      [0],
    );
    kept.revoke();
    await t.send(records(items), items);
    assert.equal(broker.commits, 1, 'nothing left to send: no second transaction');
  });

  it('splits a large transaction into several produce requests, one commit', async () => {
    const clock = new FakeClock();
    const broker = new FakeTransactionalBroker();
    let sends = 0;
    broker.fate = (step) => {
      if (step === 'send') sends++;
      return 'ok';
    };
    const { t } = transport(broker, clock, { maxRecordsPerRequest: 4 });
    const items = outcomes(ledger(0), [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    await t.send(records(items), items);
    assert.equal(sends, 3);
    assert.equal(broker.commits, 1);
    assert.equal(broker.visible.length, 10);
  });

  it('a failure before commit aborts, replaces the producer and rejects, so the sender retries', async () => {
    const clock = new FakeClock();
    const broker = new FakeTransactionalBroker();
    const { t, committed, transactions } = transport(broker, clock);
    let failOffsets = true;
    broker.fate = (step) => (step === 'offsets' && failOffsets ? 'unknown' : 'ok');
    const items = outcomes(ledger(0), [0, 1]);
    await assert.rejects(t.send(records(items), items), /unknown/);
    assert.equal(broker.aborts, 1);
    assert.equal(broker.visible.length, 0);
    assert.deepEqual(committed, []);
    failOffsets = false;
    await t.send(records(items), items);
    assert.equal(broker.producers, 2, 'a new producer (new epoch) for the retry');
    assert.equal(broker.visible.length, 2);
    assert.deepEqual(transactions, [false, true]);
  });

  it('a commit the coordinator refuses at once did not commit: abort and retry', async () => {
    const clock = new FakeClock();
    const broker = new FakeTransactionalBroker();
    const { t, committed } = transport(broker, clock);
    broker.fate = (step) => (step === 'commit' ? 'rejected' : 'ok');
    const items = outcomes(ledger(0), [0]);
    await assert.rejects(t.send(records(items), items), /rejected/);
    assert.equal(broker.aborts, 1);
    assert.deepEqual(committed, []);
  });

  it('an unanswered commit is sent again; one that went through counts once', async () => {
    const clock = new FakeClock();
    const broker = new FakeTransactionalBroker();
    const { t, committed } = transport(broker, clock);
    broker.fate = (step) => (step === 'commit' ? 'lost' : 'ok');
    const items = outcomes(ledger(0), [0, 1]);
    await drive(clock, t.send(records(items), items));
    assert.equal(broker.visible.length, 2, 'committed once');
    assert.equal(broker.aborts, 0, 'never aborted: it may have committed');
    assert.equal(committed.length, 1);
  });

  it('when a commit stays unanswered, its outcome is read back: aborted is retried, committed is kept', async () => {
    const clock = new FakeClock();
    const broker = new FakeTransactionalBroker();
    const { t, committed, fatal } = transport(broker, clock, { commitRetryMs: 50 });
    broker.fate = (step) => (step === 'commit' ? 'unknown' : 'ok');
    const items = outcomes(ledger(0), [0]);
    await assert.rejects(drive(clock, t.send(records(items), items)), /unknown/);
    assert.deepEqual(committed, [], 'read back as aborted: not acknowledged');
    let unanswered = 0;
    broker.fate = (step) => (step === 'commit' && unanswered++ === 0 ? 'lost' : step === 'commit' ? 'rejected' : 'ok');
    await drive(clock, t.send(records(items), items));
    assert.equal(broker.producers, 2, 'the retry ran on a new producer');
    assert.equal(committed.length, 1, 'a final refusal after an unanswered attempt: read back as committed');
    assert.equal(broker.visible.length, 1);
    assert.deepEqual(fatal, []);
  });

  it('a fenced producer stops everything: no abort retried, later sends refused, onFatal once', async () => {
    const clock = new FakeClock();
    const broker = new FakeTransactionalBroker();
    const { t, fatal, committed } = transport(broker, clock);
    broker.fate = (step) => (step === 'send' ? 'fatal' : 'ok');
    const items = outcomes(ledger(0), [0]);
    await assert.rejects(t.send(records(items), items), /fatal/);
    broker.fate = () => 'ok';
    await assert.rejects(t.send(records(items), items), /fatal/);
    assert.equal(fatal.length, 1);
    assert.deepEqual(committed, []);
    assert.equal(broker.visible.length, 0);
  });

  it('an abort refused because the producer was fenced meanwhile stops everything; any other abort failure does not', async () => {
    const clock = new FakeClock();
    const broker = new FakeTransactionalBroker();
    const { t, fatal } = transport(broker, clock);
    const items = outcomes(ledger(0), [0]);
    broker.fate = (step) => (step === 'send' ? 'rejected' : step === 'abort' ? 'unknown' : 'ok');
    await assert.rejects(t.send(records(items), items), /rejected/);
    assert.deepEqual(fatal, [], 'an abort without an answer is left to the next registration');
    broker.fate = (step) => (step === 'send' ? 'rejected' : step === 'abort' ? 'fatal' : 'ok');
    await assert.rejects(t.send(records(items), items), /fatal/);
    assert.equal(fatal.length, 1);
    broker.fate = () => 'ok';
    await assert.rejects(t.send(records(items), items), /fatal/);
    assert.equal(broker.visible.length, 0);
  });

  it('an epoch the coordinator ended (a transaction timed out) is not fatal: a replacement registers at once under the old identity, the records go again', async () => {
    for (const step of ['send', 'offsets', 'commit'] as const) {
      const clock = new FakeClock();
      const broker = new FakeTransactionalBroker();
      const { t, committed, fatal, transactions } = transport(broker, clock);
      await t.start();
      let timedOut = true;
      broker.fate = (s) => (s === step && timedOut ? 'fenced' : 'ok');
      const items = outcomes(ledger(0), [0, 1]);
      await assert.rejects(t.send(records(items), items), /fenced/);
      assert.equal(broker.aborts, 0, `${step}: nothing to abort under an epoch that is over`);
      assert.equal(broker.producers, 2, `${step}: registered again at once, before the retry`);
      assert.deepEqual(broker.resumed, [undefined, { producerId: 1n, producerEpoch: 1 }], `${step}: under the first producer's identity`);
      assert.equal(broker.visible.length, 0);
      timedOut = false;
      await t.send(records(items), items);
      assert.equal(broker.producers, 2, `${step}: the retry runs on the re-registered producer`);
      assert.equal(broker.visible.length, 2, `${step}: visible once`);
      assert.equal(committed.length, 1);
      assert.deepEqual(transactions, [false, true]);
      assert.deepEqual(fatal, [], `${step}: nothing fatal`);
    }
  });

  it('a step that fails by its own deadline and an abort refused as fenced: the epoch is over, registered again at once', async () => {
    const clock = new FakeClock();
    const broker = new FakeTransactionalBroker();
    const { t, fatal } = transport(broker, clock);
    await t.start();
    let stalled = true;
    broker.fate = (step) => (!stalled ? 'ok' : step === 'send' ? 'unknown' : step === 'abort' ? 'fenced' : 'ok');
    const items = outcomes(ledger(0), [0]);
    await assert.rejects(t.send(records(items), items), /unknown/);
    assert.equal(broker.producers, 2, 'registered again before the retry');
    assert.deepEqual(broker.resumed.at(-1), { producerId: 1n, producerEpoch: 1 });
    stalled = false;
    await t.send(records(items), items);
    assert.equal(broker.visible.length, 1);
    assert.deepEqual(fatal, []);
  });

  it('every replacement registers under the identity of the last producer registered', async () => {
    const clock = new FakeClock();
    const broker = new FakeTransactionalBroker();
    const { t } = transport(broker, clock);
    const items = outcomes(ledger(0), [0]);
    broker.fate = (step) => (step === 'send' ? 'rejected' : 'ok');
    await assert.rejects(t.send(records(items), items), /rejected/);
    broker.fate = (step) => (step === 'init' && broker.producers === 2 ? 'unknown' : 'ok');
    await assert.rejects(t.send(records(items), items), /unknown/);
    await t.send(records(items), items);
    assert.deepEqual(
      broker.resumed,
      [undefined, { producerId: 1n, producerEpoch: 1 }, { producerId: 1n, producerEpoch: 1 }],
      'a registration without an answer is repeated under the same identity',
    );
  });

  it('an epoch another producer ended: the coordinator refuses the registration under the old identity, and everything stops', async () => {
    const clock = new FakeClock();
    const broker = new FakeTransactionalBroker();
    const { t, fatal, committed } = transport(broker, clock);
    await t.start();
    broker.takenOver = true;
    broker.fate = (step) => (step === 'commit' ? 'fenced' : 'ok');
    const items = outcomes(ledger(0), [0]);
    await assert.rejects(t.send(records(items), items), /PRODUCER_FENCED/);
    assert.equal(fatal.length, 1);
    broker.fate = () => 'ok';
    await assert.rejects(t.send(records(items), items), /PRODUCER_FENCED/);
    assert.equal(broker.producers, 2, 'no registration after the refusal');
    assert.deepEqual(committed, []);
    assert.equal(broker.visible.length, 0);
  });

  it('a commit whose outcome shows another producer committed since is fatal', async () => {
    const clock = new FakeClock();
    const broker = new FakeTransactionalBroker();
    overrideTransactions(broker, () => ({ commit: () => Promise.reject(failure('unknown')), outcome: async () => 'superseded' as const }));
    const { t, fatal } = transport(broker, clock, { commitRetryMs: 20 });
    const items = outcomes(ledger(0), [0]);
    await assert.rejects(drive(clock, t.send(records(items), items)), /another producer/);
    assert.equal(fatal.length, 1);
  });

  it('start registers the transactional id; a refused id fails start-up and is fatal', async () => {
    const clock = new FakeClock();
    const broker = new FakeTransactionalBroker();
    const ok = transport(broker, clock);
    await ok.t.start();
    assert.equal(broker.producers, 1);
    broker.fate = (step) => (step === 'init' ? 'fatal' : 'ok');
    const refused = transport(broker, clock);
    await assert.rejects(refused.t.start(), /fatal/);
    assert.equal(refused.fatal.length, 1);
  });

  it('commit and commitOffsets wait for the transaction on the wire; close waits and closes', async () => {
    const clock = new FakeClock();
    const broker = new FakeTransactionalBroker();
    const release = holdCommits(broker);
    const { t } = transport(broker, clock);
    const items = outcomes(ledger(0), [0]);
    const sending = t.send(records(items), items);
    let waited = false;
    const waiting = t.commitOffsets([]).then(() => (waited = true));
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(waited, false, 'a revocation waits for the transaction that may carry its offsets');
    release();
    await sending;
    await waiting;
    assert.equal(broker.visible.length, 1);
    await t.close();
    await assert.rejects(t.send(records(items), items), /closed/);
  });
});

describe('exactly-once through the ordered sender, under random failures', () => {
  function run(seed: number) {
    const random = seededRandom(seed);
    const clock = new FakeClock();
    const broker = new FakeTransactionalBroker();
    const steps: Fate[] = ['ok', 'ok', 'ok', 'ok', 'unknown', 'rejected', 'fenced', 'lost'];
    broker.fate = (step) => {
      const f = steps[randomInt(random, steps.length)] as Fate;
      if (step === 'init' || step === 'outcome' || step === 'abort') return f === 'rejected' || f === 'fenced' || f === 'lost' ? 'ok' : f;
      return step === 'commit' ? f : f === 'lost' ? 'ok' : f;
    };
    const { t, committed, fatal } = transport(broker, clock, { commitRetryMs: 30 });
    const ledgers = [0, 1, 2].map((p) => ledger(p, p + 1));
    let acknowledged = 0;
    const delivery = new Delivery({
      transport: t,
      clock,
      scheduler: clock,
      log: QUIET_LOG,
      maxRecordsPerSend: 1 + randomInt(random, 15),
      minIntervalMs: randomInt(random, 3) * 5,
      retry: { initialMs: 1, maxMs: 4 },
      onAcknowledged: (outgoing) => {
        acknowledged += outgoing.length;
      },
      onSendFailure: () => undefined,
    });
    const all: Outgoing[] = [];
    const last = new Map<number, number>();
    for (const l of ledgers) {
      let offset = randomInt(random, 3);
      for (let i = 0; i < 30 + randomInt(random, 30); i++) {
        offset += 1 + (random() < 0.1 ? 2 : 0);
        l.admit(offset);
        const record = { topic: 'out', key: null, value: Buffer.from(`${l.partition}:${offset}`), headers: NO_HEADERS };
        all.push({ source: { ledger: l, key: l.key, offset, timestamp: 0 }, kind: 'prediction', tag: 'm:1', record });
        last.set(l.partition, offset);
      }
    }
    return { random, clock, broker, delivery, all: shuffle(random, all), committed, fatal, last, acknowledged: () => acknowledged };
  }

  it('a read_committed consumer sees every offset exactly once, in order, and the offsets end one past the last', async () => {
    for (let seed = 1; seed <= 40; seed++) {
      const r = run(seed);
      for (let i = 0; i < r.all.length; i += 7) r.delivery.complete(r.all.slice(i, i + 7));
      for (let round = 0; round < 20_000 && r.acknowledged() < r.all.length; round++) {
        await new Promise((resolve) => setImmediate(resolve));
        r.clock.advance(3);
      }
      assert.deepEqual(r.fatal, [], `seed ${seed}: nothing fatal`);
      assert.equal(r.acknowledged(), r.all.length, `seed ${seed}: everything acknowledged`);
      const seen = r.broker.visible.map((rec) => rec.value?.toString() ?? '');
      assert.equal(new Set(seen).size, seen.length, `seed ${seed}: no record visible twice`);
      assert.equal(seen.length, r.all.length, `seed ${seed}: every record visible`);
      for (const [partition, lastOffset] of r.last) {
        const order = seen.filter((v) => v.startsWith(`${partition}:`)).map((v) => Number(v.split(':')[1]));
        assert.deepEqual(
          order,
          [...order].sort((x, y) => x - y),
          `seed ${seed}: partition ${partition} in offset order`,
        );
        assert.equal(r.broker.committed.get(`in:${partition}`), lastOffset + 1, `seed ${seed}: partition ${partition} committed one past the last`);
      }
    }
  });
});

describe('the default transactional id', () => {
  it('is the group, the host and the pid: unique among live replicas, stable where both are', () => {
    assert.equal(defaultTransactionalId('scorers', 'pod-3', 1), 'scorers-pod-3-1');
  });
});
