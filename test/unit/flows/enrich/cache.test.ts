/** The batch's lookup plan over the worker's cache: distinct keys once, hits answered, expiry on the injected clock. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { EnrichCache } from '../../../../src/flows/enrich/cache.ts';
import { FakeClock } from '../../../support/fake-clock.ts';

const settings = { ttlMs: 1000, negativeTtlMs: 100, maxEntries: 3 };
const found = { kind: 'hash', values: ['1'] } as const;
const missing = { kind: 'hash', values: [null] } as const;

test('each distinct (lookup, key) of a batch is asked once; the same key of another lookup is another entry', () => {
  const cache = new EnrichCache(settings, new FakeClock());
  const plan = cache.plan([
    { lookup: 0, key: 'c:1' },
    { lookup: 0, key: 'c:1' },
    { lookup: 1, key: 'c:1' },
  ]);
  assert.deepEqual(plan.misses, [
    { lookup: 0, key: 'c:1' },
    { lookup: 1, key: 'c:1' },
  ]);
  assert.equal(plan.hits, 0);
});

test('a stored value is a hit until ttlMs, a missing one until negativeTtlMs', () => {
  // Not at 0: lru-cache takes an entry stamped at time 0 for one without a TTL.
  const clock = new FakeClock(1000);
  const cache = new EnrichCache(settings, clock);
  cache.set({ lookup: 0, key: 'c:1' }, found);
  cache.set({ lookup: 0, key: 'c:2' }, missing);
  const wants = [
    { lookup: 0, key: 'c:1' },
    { lookup: 0, key: 'c:2' },
  ];
  assert.equal(cache.plan(wants).hits, 2);
  clock.advance(101);
  assert.deepEqual(cache.plan(wants).misses, [{ lookup: 0, key: 'c:2' }]);
  clock.advance(900);
  assert.deepEqual(cache.plan(wants).misses, wants);
});

test('past maxEntries the least recently used key goes; ttlMs 0 caches nothing', () => {
  const cache = new EnrichCache(settings, new FakeClock());
  for (const key of ['a', 'b', 'c']) cache.set({ lookup: 0, key }, found);
  cache.plan([{ lookup: 0, key: 'a' }]);
  cache.set({ lookup: 0, key: 'd' }, found);
  assert.deepEqual(cache.plan(['a', 'b', 'c', 'd'].map((key) => ({ lookup: 0, key }))).misses, [{ lookup: 0, key: 'b' }]);
  const off = new EnrichCache({ ...settings, ttlMs: 0 }, new FakeClock());
  off.set({ lookup: 0, key: 'a' }, found);
  assert.equal(off.size, 0);
});
