import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { sumLag } from '../../../loadgen/lag.ts';

describe('sumLag', () => {
  it('sums end minus committed offset over partitions', () => {
    const ends = [
      { partition: 0, low: '0', high: '100' },
      { partition: 1, low: '0', high: '50' },
    ];
    assert.equal(
      sumLag(ends, [
        { partition: 0, offset: '90' },
        { partition: 1, offset: '50' },
      ]),
      10,
    );
  });

  it('counts a partition without a commit from its low watermark', () => {
    const ends = [
      { partition: 0, low: '40', high: '100' },
      { partition: 1, low: '0', high: '5' },
    ];
    assert.equal(sumLag(ends, [{ partition: 0, offset: '-1' }]), 60 + 5);
  });

  it('never counts a committed offset past the end as negative lag', () => {
    assert.equal(sumLag([{ partition: 0, low: '0', high: '10' }], [{ partition: 0, offset: '12' }]), 0);
  });
});
