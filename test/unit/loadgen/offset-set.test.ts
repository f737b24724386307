import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { OffsetSet } from '../../../loadgen/offset-set.ts';

describe('OffsetSet', () => {
  it('counts each offset once and says whether an add was new', () => {
    const set = new OffsetSet(100);
    assert.equal(set.add(100), true);
    assert.equal(set.add(131), true);
    assert.equal(set.add(132), true);
    assert.equal(set.add(131), false);
    assert.equal(set.size, 3);
    assert.deepEqual(
      [99, 100, 101, 131, 132, 133].map((o) => set.has(o)),
      [false, true, false, true, true, false],
    );
  });

  it('grows to fit offsets far beyond its first words and keeps what it had', () => {
    const set = new OffsetSet(0);
    const offsets = [0, 31, 32, 1024 * 32 - 1, 1024 * 32, 5_000_000, 5_000_001];
    for (const offset of offsets) assert.equal(set.add(offset), true, String(offset));
    for (const offset of offsets) assert.equal(set.add(offset), false, `again ${offset}`);
    assert.equal(set.size, offsets.length);
    assert.equal(set.has(4_999_999), false);
    assert.equal(set.has(5_000_001), true);
  });

  it('matches a Set on a shuffled stream with repeats', () => {
    const set = new OffsetSet(7_000_000_000);
    const reference = new Set<number>();
    let x = 12345;
    for (let i = 0; i < 20_000; i++) {
      x = (Math.imul(x, 1103515245) + 12345) >>> 0;
      const offset = 7_000_000_000 + (x % 50_000);
      assert.equal(set.add(offset), !reference.has(offset));
      reference.add(offset);
    }
    assert.equal(set.size, reference.size);
  });

  it('rejects offsets below its base, fractional ones and a bad base', () => {
    const set = new OffsetSet(10);
    for (const bad of [9, 10.5, Number.NaN, 10 + 2 ** 31]) assert.throws(() => set.add(bad), RangeError, String(bad));
    assert.equal(set.has(9), false);
    assert.throws(() => new OffsetSet(-1), RangeError);
    assert.throws(() => new OffsetSet(1.5), RangeError);
  });
});
