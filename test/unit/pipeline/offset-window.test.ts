import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isScorerError } from '../../../src/errors.ts';
import { OffsetWindow } from '../../../src/pipeline/offset-window.ts';

const invariant = (err: unknown): boolean => isScorerError(err, 'SCORER_ERR_INVARIANT');

describe('OffsetWindow', () => {
  it('reports first, last, size and done as offsets are admitted, completed and released', () => {
    const window = new OffsetWindow<string>();
    assert.equal(window.first, undefined);
    assert.equal(window.last, undefined);
    for (const offset of [3, 4, 7]) window.admit(offset);
    window.complete(7, 'c');
    window.complete(4, 'b');
    assert.deepEqual([window.first, window.last, window.size, window.done, window.headDone()], [3, 7, 3, 2, false]);
    assert.equal(window.release(), 0);
    window.complete(3, 'a');
    const out: string[] = [];
    assert.equal(window.release(out), 3);
    assert.deepEqual(out, ['a', 'b', 'c']);
    assert.deepEqual([window.first, window.last, window.size, window.done], [undefined, 7, 0, 0]);
  });

  it('rejects offsets that do not strictly increase or are not non-negative safe integers', () => {
    const window = new OffsetWindow<never>();
    window.admit(5);
    for (const bad of [5, 4, -1, 6.5, Number.NaN, 2 ** 53]) {
      assert.throws(() => window.admit(bad), invariant, String(bad));
    }
    window.admit(6);
  });

  it('rejects completing an offset twice or one never admitted', () => {
    const window = new OffsetWindow<number>();
    window.admit(1);
    window.admit(3);
    window.complete(3, 0);
    assert.throws(() => window.complete(3, 0), invariant);
    assert.throws(() => window.complete(2, 0), invariant);
    assert.throws(() => window.complete(4, 0), invariant);
    window.complete(1, 0);
    window.release();
    assert.throws(() => window.complete(1, 0), invariant);
  });
});
