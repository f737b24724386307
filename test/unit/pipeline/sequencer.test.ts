import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isScorerError } from '../../../src/errors.ts';
import { PartitionSequencer } from '../../../src/pipeline/sequencer.ts';
import { randomInt, seededRandom, shuffle } from '../../support/seeded-random.ts';

const invariant = (err: unknown): boolean => isScorerError(err, 'SCORER_ERR_INVARIANT');

describe('PartitionSequencer', () => {
  it('releases results completed in order at once', () => {
    const seq = new PartitionSequencer<string>();
    seq.enqueue(0);
    seq.enqueue(1);
    seq.complete(0, 'a');
    assert.deepEqual(seq.drain(), ['a']);
    seq.complete(1, 'b');
    assert.deepEqual(seq.drain(), ['b']);
    assert.equal(seq.pending, 0);
  });

  it('holds later results until the head completes, then releases the run in offset order', () => {
    const seq = new PartitionSequencer<string>();
    for (const offset of [5, 6, 9, 12]) seq.enqueue(offset);
    seq.complete(9, 'c');
    seq.complete(6, 'b');
    assert.deepEqual(seq.drain(), []);
    assert.deepEqual([seq.pending, seq.blocked, seq.head], [4, 2, 5]);
    seq.complete(5, 'a');
    assert.deepEqual(seq.drain(), ['a', 'b', 'c']);
    assert.deepEqual([seq.pending, seq.blocked, seq.head], [1, 0, 12]);
    assert.deepEqual(seq.drain(), []);
  });

  it('drainInto appends to the caller array and counts', () => {
    const seq = new PartitionSequencer<number>();
    seq.enqueue(1);
    seq.enqueue(2);
    seq.complete(2, 20);
    seq.complete(1, 10);
    const out = [0];
    assert.equal(seq.drainInto(out), 2);
    assert.deepEqual(out, [0, 10, 20]);
    assert.equal(seq.drainInto(out), 0);
  });

  it('keeps falsy and undefined values', () => {
    const seq = new PartitionSequencer<number | undefined>();
    seq.enqueue(0);
    seq.enqueue(1);
    seq.complete(1, undefined);
    seq.complete(0, 0);
    assert.deepEqual(seq.drain(), [0, undefined]);
  });

  it('throws on non-increasing enqueues and on unknown or repeated completions', () => {
    const seq = new PartitionSequencer<string>();
    seq.enqueue(3);
    assert.throws(() => seq.enqueue(3), invariant);
    assert.throws(() => seq.complete(4, 'x'), invariant);
    seq.complete(3, 'x');
    assert.throws(() => seq.complete(3, 'y'), invariant);
    seq.drain();
    assert.throws(() => seq.complete(3, 'y'), invariant);
  });

  it('releases every result exactly once, in offset order, under random completion order', () => {
    for (let seed = 1; seed <= 30; seed++) {
      const random = seededRandom(seed);
      const seq = new PartitionSequencer<number>();
      const offsets: number[] = [];
      let next = 0;
      const open: number[] = [];
      const released: number[] = [];
      for (let step = 0; step < 3000; step++) {
        if (open.length === 0 || random() < 0.5) {
          next += 1 + (random() < 0.1 ? randomInt(random, 4) : 0);
          seq.enqueue(next);
          offsets.push(next);
          open.push(next);
        } else {
          // Complete a random batch of open offsets, as a finished inference batch would.
          shuffle(random, open);
          const done = open.splice(0, 1 + randomInt(random, Math.min(open.length, 8)));
          for (const offset of done) seq.complete(offset, offset * 10);
          released.push(...seq.drain());
        }
        assert.equal(seq.pending, offsets.length - released.length, `seed ${seed} step ${step}`);
      }
      for (const offset of shuffle(random, open)) seq.complete(offset, offset * 10);
      released.push(...seq.drain());
      assert.deepEqual(
        released,
        offsets.map((o) => o * 10),
        `seed ${seed}`,
      );
      assert.equal(seq.pending, 0);
    }
  });
});
