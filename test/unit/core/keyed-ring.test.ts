import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { KeyedRing } from '../../../src/core/keyed-ring.ts';
import { isScorerError } from '../../../src/errors.ts';

function contents<T>(ring: KeyedRing<T>): Array<[number, T | undefined, boolean]> {
  const out: Array<[number, T | undefined, boolean]> = [];
  for (let i = 0; i < ring.size; i++) out.push([ring.keyAt(i), ring.valueAt(i), ring.isDone(i)]);
  return out;
}

describe('KeyedRing', () => {
  it('is first-in first-out across growth and wrap-around', () => {
    const ring = new KeyedRing<string>();
    let nextIn = 0;
    let nextOut = 0;
    // Interleave pushes and shifts so the head wraps many times while the ring grows and shrinks.
    for (let round = 0; round < 50; round++) {
      for (let i = 0; i < round * 3; i++) ring.push(nextIn, `v${nextIn++}`);
      for (let i = 0; i < round * 2 && ring.size > 0; i++) assert.equal(ring.shift(), `v${nextOut++}`);
    }
    while (ring.size > 0) assert.equal(ring.shift(), `v${nextOut++}`);
    assert.equal(nextOut, nextIn);
  });

  it('finds keys by position with gaps, consecutive runs and after wrap-around', () => {
    const ring = new KeyedRing<number>();
    for (let i = 0; i < 12; i++) ring.push(i);
    for (let i = 0; i < 10; i++) ring.shift(); // head near the end of the 16-slot ring
    const keys = [10, 11, 15, 16, 17, 40, 41, 100, 1000, 1001, 1002, 5000];
    for (const key of keys.slice(2)) ring.push(key);
    keys.forEach((key, index) => {
      assert.equal(ring.indexOf(key), index, `key ${key}`);
    });
    for (const missing of [-1, 0, 9, 12, 14, 18, 39, 42, 999, 1003, 4999, 5001, 10.5]) {
      assert.equal(ring.indexOf(missing), -1, `key ${missing}`);
    }
  });

  it('returns -1 on an empty ring', () => {
    assert.equal(new KeyedRing().indexOf(0), -1);
  });

  it('keeps done flags and values per entry, and clears them for reused slots', () => {
    const ring = new KeyedRing<string>();
    ring.push(1, 'a');
    ring.push(2);
    ring.setDone(1, 'b');
    assert.deepEqual(contents(ring), [
      [1, 'a', false],
      [2, 'b', true],
    ]);
    ring.shift();
    ring.shift();
    for (let i = 0; i < 16; i++) ring.push(10 + i);
    assert.ok(contents(ring).every(([, value, done]) => value === undefined && !done));
  });

  it('grows to what is held and shrinks back when drained', () => {
    const ring = new KeyedRing<number>();
    assert.equal(ring.capacity, 16);
    for (let i = 0; i < 10_000; i++) ring.push(i, i);
    assert.equal(ring.capacity, 16_384);
    while (ring.size > 3) ring.shift();
    assert.equal(ring.capacity, 16);
    assert.deepEqual(
      contents(ring).map(([key, value]) => [key, value]),
      [
        [9997, 9997],
        [9998, 9998],
        [9999, 9999],
      ],
    );
  });

  it('throws a SCORER_ERR_INVARIANT on shift from an empty ring', () => {
    assert.throws(
      () => new KeyedRing().shift(),
      (err) => isScorerError(err, 'SCORER_ERR_INVARIANT'),
    );
  });
});
