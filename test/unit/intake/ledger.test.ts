import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Outgoing } from '../../../src/delivery/outgoing.ts';
import { isScorerError } from '../../../src/errors.ts';
import { PartitionLedger } from '../../../src/intake/ledger.ts';
import { NO_HEADERS } from '../../../src/kafka/client.ts';

const invariant = (err: unknown): boolean => isScorerError(err, 'SCORER_ERR_INVARIANT');

function ledger() {
  const stale = { retired: 0 };
  const l = new PartitionLedger(
    { topic: 't', partition: 0, epoch: 1 },
    {
      retired: (n) => {
        stale.retired += n;
      },
    },
  );
  const outcome = (offset: number): Outgoing => ({
    source: { ledger: l, key: l.key, offset, timestamp: 0 },
    kind: 'prediction',
    tag: 'm:1',
    record: { topic: 'out', key: null, value: null, headers: NO_HEADERS },
  });
  const release = () => {
    const out: Outgoing[] = [];
    l.release(out);
    return out.map((o) => o.source.offset);
  };
  return { l, stale, outcome, release };
}

describe('PartitionLedger', () => {
  it('releases completed results in offset order, holding later ones behind an open head', () => {
    const { l, outcome, release } = ledger();
    for (const offset of [5, 6, 9, 12]) l.admit(offset);
    l.complete(9, outcome(9));
    l.complete(6, outcome(6));
    assert.deepEqual(release(), []);
    l.complete(5, outcome(5));
    assert.deepEqual(release(), [5, 6, 9]);
    assert.deepEqual(release(), [], 'released once');
    l.complete(12, outcome(12));
    assert.deepEqual(release(), [12]);
  });

  it('commits up to the oldest unacknowledged offset, then one past the last admitted', () => {
    const { l, outcome, release } = ledger();
    assert.equal(l.watermark(), undefined);
    for (const offset of [3, 4, 7]) l.admit(offset);
    for (const offset of [3, 4, 7]) l.complete(offset, outcome(offset));
    release();
    assert.equal(l.watermark(), 3);
    l.acknowledge(3);
    assert.equal(l.watermark(), 4);
    l.acknowledge(4);
    l.acknowledge(7);
    assert.deepEqual([l.watermark(), l.inFlight], [8, 0]);
  });

  it('counts the uncommitted window from the committed offset, gaps included', () => {
    const { l, outcome, release } = ledger();
    for (const offset of [10, 11, 15]) l.admit(offset);
    assert.equal(l.uncommitted, 6);
    for (const offset of [10, 11]) l.complete(offset, outcome(offset));
    release();
    l.acknowledge(10);
    l.acknowledge(11);
    assert.equal(l.ackedUncommitted, 5);
    assert.ok(l.advancesTo(l.watermark()));
    assert.equal(l.markCommitted(15), 5);
    assert.equal(l.uncommitted, 1);
    assert.equal(l.advancesTo(15), false);
  });

  it('refuses offsets that do not increase, completions twice or of offsets never admitted, and acknowledgements out of release order', () => {
    const { l, outcome, release } = ledger();
    l.admit(5);
    for (const bad of [5, 4, -1, 6.5, Number.NaN, 2 ** 53]) assert.throws(() => l.admit(bad), invariant, String(bad));
    l.admit(6);
    l.complete(6, outcome(6));
    assert.throws(() => l.complete(6, outcome(6)), invariant);
    assert.throws(() => l.complete(7, outcome(7)), invariant);
    assert.throws(() => l.acknowledge(5), invariant, 'not released yet');
    l.complete(5, outcome(5));
    release();
    assert.throws(() => l.acknowledge(6), invariant, 'out of order');
    assert.throws(() => l.abandon(5), invariant, 'still owned');
  });

  it('once revoked, releases nothing more and retires each held entry exactly once', () => {
    const { l, stale, outcome, release } = ledger();
    for (const offset of [0, 1, 2, 3]) l.admit(offset);
    l.complete(0, outcome(0));
    release(); // 0 is with the sender
    l.complete(2, outcome(2)); // done, behind the open 1
    assert.equal(l.revoke(), 3, '0 (sender), 1 and 3 (still scoring) are held; 2 is dropped now');
    l.complete(1, outcome(1));
    l.abandon(3);
    assert.deepEqual(release(), []);
    l.acknowledge(0);
    assert.equal(stale.retired, 3);
  });
});
