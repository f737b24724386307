import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isScorerError } from '../../../src/errors.ts';
import { OffsetTracker, PartitionOffsets } from '../../../src/ingest/offset-tracker.ts';
import { randomInt, seededRandom } from '../../support/seeded-random.ts';

const invariant = (err: unknown): boolean => isScorerError(err, 'SCORER_ERR_INVARIANT');

/** The obvious, slow model the tracker must agree with: a sorted list of admitted offsets and a set of acks. */
class NaivePartition {
  admitted: number[] = [];
  acked = new Set<number>();

  get open(): number[] {
    return this.admitted.filter((o) => !this.acked.has(o));
  }

  watermark(): number | undefined {
    if (this.admitted.length === 0) return undefined;
    return this.open[0] ?? this.admitted[this.admitted.length - 1]! + 1;
  }

  commitGap(): number {
    const watermark = this.watermark();
    if (watermark === undefined || this.acked.size === 0) return 0;
    return Math.max(0, Math.max(...this.acked) + 1 - watermark);
  }
}

describe('PartitionOffsets', () => {
  it('has no watermark before the first admit', () => {
    const offsets = new PartitionOffsets();
    assert.equal(offsets.watermark(), undefined);
    assert.equal(offsets.pending, 0);
    assert.equal(offsets.commitGap(), 0);
  });

  it('commits the lowest unacked offset while acks arrive out of order', () => {
    const offsets = new PartitionOffsets();
    for (let o = 100; o < 105; o++) offsets.admit(o);
    assert.equal(offsets.watermark(), 100);
    offsets.ack(103);
    offsets.ack(101);
    assert.deepEqual([offsets.watermark(), offsets.pending, offsets.commitGap()], [100, 3, 4]);
    offsets.ack(100);
    assert.deepEqual([offsets.watermark(), offsets.pending, offsets.commitGap()], [102, 2, 2]);
    offsets.ack(102);
    assert.deepEqual([offsets.watermark(), offsets.commitGap()], [104, 0]);
    offsets.ack(104);
    assert.deepEqual([offsets.watermark(), offsets.pending, offsets.commitGap()], [105, 0, 0]);
  });

  it('handles gaps in offsets (compaction, transaction markers)', () => {
    const offsets = new PartitionOffsets();
    for (const o of [10, 13, 20]) offsets.admit(o);
    offsets.ack(13);
    assert.deepEqual([offsets.watermark(), offsets.commitGap()], [10, 4]);
    offsets.ack(10);
    assert.deepEqual([offsets.watermark(), offsets.commitGap()], [20, 0]);
    offsets.ack(20);
    assert.equal(offsets.watermark(), 21);
    offsets.admit(50);
    assert.equal(offsets.watermark(), 50);
  });

  it('throws on non-increasing admits and on acks never admitted or repeated', () => {
    const offsets = new PartitionOffsets();
    offsets.admit(5);
    offsets.admit(8);
    assert.throws(() => offsets.admit(8), invariant);
    assert.throws(() => offsets.admit(7), invariant);
    assert.throws(() => offsets.ack(6), invariant);
    assert.throws(() => offsets.ack(9), invariant);
    offsets.ack(8);
    assert.throws(() => offsets.ack(8), invariant);
    offsets.ack(5);
    assert.throws(() => offsets.ack(5), invariant);
    assert.equal(offsets.pending, 0);
  });

  it('agrees with a naive model under random gaps and random ack order', () => {
    for (let seed = 1; seed <= 25; seed++) {
      const random = seededRandom(seed);
      const offsets = new PartitionOffsets();
      const naive = new NaivePartition();
      let next = randomInt(random, 1000);
      for (let step = 0; step < 1200; step++) {
        const open = naive.open;
        if (open.length === 0 || random() < 0.52) {
          next += random() < 0.2 ? 1 + randomInt(random, 5) : 1;
          offsets.admit(next);
          naive.admitted.push(next);
        } else {
          const offset = open[randomInt(random, open.length)]!;
          offsets.ack(offset);
          naive.acked.add(offset);
        }
        const context = `seed ${seed} step ${step}`;
        assert.equal(offsets.watermark(), naive.watermark(), context);
        assert.equal(offsets.pending, naive.open.length, context);
        assert.equal(offsets.commitGap(), naive.commitGap(), context);
      }
    }
  });
});

describe('OffsetTracker', () => {
  it('tracks topics and partitions independently, with a total', () => {
    const tracker = new OffsetTracker();
    tracker.admit('a', 0, 10);
    tracker.admit('a', 0, 11);
    tracker.admit('a', 3, 7);
    tracker.admit('b', 0, 1);
    tracker.ack('a', 0, 11);
    assert.equal(tracker.totalPending, 3);
    assert.deepEqual([tracker.pending('a', 0), tracker.pending('a', 3), tracker.pending('b', 0), tracker.pending('b', 9)], [1, 1, 1, 0]);
    assert.deepEqual([tracker.watermark('a', 0), tracker.commitGap('a', 0), tracker.commitGap('zz', 0)], [10, 2, 0]);
    assert.deepEqual(sortPartitions(tracker.partitions()), [
      { topic: 'a', partition: 0 },
      { topic: 'a', partition: 3 },
      { topic: 'b', partition: 0 },
    ]);
  });

  it('offers a watermark only when it moved since it was marked committed', () => {
    const tracker = new OffsetTracker();
    assert.deepEqual(tracker.committable(), []);
    tracker.admit('t', 0, 5);
    tracker.admit('t', 0, 6);
    tracker.admit('t', 1, 0);
    const first = tracker.committable();
    assert.deepEqual(sortPartitions(first), [
      { topic: 't', partition: 0, offset: '5' },
      { topic: 't', partition: 1, offset: '0' },
    ]);
    tracker.markCommitted(first);
    assert.deepEqual(tracker.committable(), []);
    tracker.ack('t', 0, 6); // behind an open offset: the watermark does not move
    assert.deepEqual(tracker.committable(), []);
    tracker.ack('t', 0, 5);
    assert.deepEqual(tracker.committable(), [{ topic: 't', partition: 0, offset: '7' }]);
  });

  it('keeps a watermark that moved during a commit, and never moves the committed mark back', () => {
    const tracker = new OffsetTracker();
    for (let o = 0; o < 3; o++) tracker.admit('t', 0, o);
    tracker.ack('t', 0, 0);
    const inFlight = tracker.committable(); // offset 1
    tracker.ack('t', 0, 1); // watermark moves to 2 while that commit is in flight
    tracker.markCommitted(inFlight);
    assert.deepEqual(tracker.committable(), [{ topic: 't', partition: 0, offset: '2' }]);
    tracker.markCommitted([{ topic: 't', partition: 0, offset: '2' }]);
    tracker.markCommitted(inFlight); // a late confirmation of the older commit
    assert.deepEqual(tracker.committable(), []);
    tracker.markCommitted([{ topic: 'unknown', partition: 4, offset: '9' }]);
  });

  it('drop forgets a partition: no commits, pending released, later acks ignored and counted', () => {
    const tracker = new OffsetTracker();
    for (let o = 0; o < 4; o++) tracker.admit('t', 0, o);
    tracker.admit('t', 1, 0);
    tracker.drop('t', 0);
    assert.equal(tracker.totalPending, 1);
    assert.deepEqual(tracker.partitions(), [{ topic: 't', partition: 1 }]);
    assert.deepEqual(tracker.committable(), [{ topic: 't', partition: 1, offset: '0' }]);
    tracker.ack('t', 0, 2);
    tracker.ack('t', 0, 99);
    assert.equal(tracker.ignoredAcks, 2);
    assert.equal(tracker.pending('t', 0), 0);
    assert.equal(tracker.watermark('t', 0), undefined);
    assert.equal(tracker.epoch('t', 0), undefined);
    tracker.drop('t', 7); // never admitted: later acks are stale too, not bugs
    tracker.ack('t', 7, 1);
    assert.equal(tracker.ignoredAcks, 3);
  });

  it('gives a reassigned partition a new epoch, and ignores acks carrying the old one', () => {
    const tracker = new OffsetTracker();
    tracker.admit('t', 0, 10);
    const oldEpoch = tracker.epoch('t', 0);
    tracker.drop('t', 0);
    tracker.admit('t', 0, 10); // reassigned, refetched from the committed offset
    const newEpoch = tracker.epoch('t', 0);
    assert.notEqual(newEpoch, oldEpoch);
    tracker.ack('t', 0, 10, oldEpoch);
    assert.deepEqual([tracker.ignoredAcks, tracker.pending('t', 0), tracker.watermark('t', 0)], [1, 1, 10]);
    tracker.ack('t', 0, 10, newEpoch);
    assert.deepEqual([tracker.pending('t', 0), tracker.watermark('t', 0), tracker.totalPending], [0, 11, 0]);
  });

  it('throws on acks for partitions it never saw, on bad partitions, and passes offset bugs through', () => {
    const tracker = new OffsetTracker();
    assert.throws(() => tracker.ack('t', 0, 1), invariant);
    assert.throws(() => tracker.admit('t', -1, 1), invariant);
    assert.throws(() => tracker.admit('t', 1.5, 1), invariant);
    tracker.admit('t', 0, 1);
    assert.throws(() => tracker.ack('t', 0, 2), invariant);
    assert.throws(() => tracker.admit('t', 0, 1), invariant);
    assert.equal(tracker.totalPending, 1);
  });

  it('agrees with a naive model across partitions, drops and commits', () => {
    for (let seed = 100; seed < 120; seed++) runTrackerModel(seed);
  });
});

function runTrackerModel(seed: number): void {
  const random = seededRandom(seed);
  const tracker = new OffsetTracker();
  const keys = ['x:0', 'x:1', 'x:2', 'y:0'];
  const naive = new Map<string, { part: NaivePartition; next: number; committed: number | undefined }>();
  for (let step = 0; step < 2000; step++) {
    const key = keys[randomInt(random, keys.length)]!;
    const [topic, p] = key.split(':') as [string, string];
    const partition = Number(p);
    let state = naive.get(key);
    const roll = random();
    if (roll < 0.01) {
      tracker.drop(topic, partition);
      naive.delete(key);
    } else if (roll < 0.05) {
      const list = tracker.committable();
      tracker.markCommitted(list);
      for (const c of list) naive.get(`${c.topic}:${c.partition}`)!.committed = Number(c.offset);
    } else if (state === undefined || state.part.open.length === 0 || roll < 0.5) {
      if (state === undefined) {
        state = { part: new NaivePartition(), next: randomInt(random, 50), committed: undefined };
        naive.set(key, state);
      }
      state.next += 1 + (random() < 0.1 ? randomInt(random, 3) : 0);
      tracker.admit(topic, partition, state.next);
      state.part.admitted.push(state.next);
    } else {
      const open = state.part.open;
      const offset = open[randomInt(random, open.length)]!;
      tracker.ack(topic, partition, offset);
      state.part.acked.add(offset);
    }
    checkTracker(tracker, naive, `seed ${seed} step ${step}`);
  }
}

function checkTracker(tracker: OffsetTracker, naive: Map<string, { part: NaivePartition; committed: number | undefined }>, context: string): void {
  let total = 0;
  const expected: string[] = [];
  for (const [key, { part, committed }] of naive) {
    const [topic, p] = key.split(':') as [string, string];
    total += part.open.length;
    assert.equal(tracker.watermark(topic, Number(p)), part.watermark(), context);
    assert.equal(tracker.commitGap(topic, Number(p)), part.commitGap(), context);
    const watermark = part.watermark();
    if (watermark !== undefined && watermark !== committed) expected.push(`${key}@${watermark}`);
  }
  assert.equal(tracker.totalPending, total, context);
  const actual = tracker.committable().map((c) => `${c.topic}:${c.partition}@${c.offset}`);
  assert.deepEqual(actual.sort(), expected.sort(), context);
}

function sortPartitions<T extends { topic: string; partition: number }>(list: T[]): T[] {
  return list.sort((a, b) => a.topic.localeCompare(b.topic) || a.partition - b.partition);
}
