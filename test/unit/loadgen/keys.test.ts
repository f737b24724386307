import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createKeyPicker, describeKeys, parseKeys } from '../../../loadgen/keys.ts';
import { UsageError } from '../../../loadgen/profile.ts';
import { Random } from '../../../loadgen/random.ts';

function counts(pick: (random: Random) => number, accounts: number, draws: number, seed = 12345): Uint32Array {
  const random = new Random(seed);
  const seen = new Uint32Array(accounts);
  for (let i = 0; i < draws; i++) {
    const index = pick(random);
    assert.ok(Number.isInteger(index) && index >= 0 && index < accounts, `index ${index}`);
    seen[index] = (seen[index] ?? 0) + 1;
  }
  return seen;
}

test('parseKeys reads uniform, zipf and zipf:<exponent>', () => {
  assert.deepEqual(parseKeys('uniform'), { kind: 'uniform' });
  assert.deepEqual(parseKeys('zipf'), { kind: 'zipf', exponent: 1 });
  assert.deepEqual(parseKeys('zipf:1.2'), { kind: 'zipf', exponent: 1.2 });
  assert.deepEqual(parseKeys(' zipf:.8 '), { kind: 'zipf', exponent: 0.8 });
});

test('parseKeys names the flag and the bad value', () => {
  const usage = (message: string) => (err: unknown) => err instanceof UsageError && err.message === message;
  for (const bad of ['zipf:0', 'zipf:', 'zipf:-1', 'zipf:x', 'zipf:1e3']) {
    assert.throws(() => parseKeys(bad), usage(`--keys: "${bad}": the zipf exponent must be a number > 0, e.g. zipf:1.2`), bad);
  }
  assert.throws(() => parseKeys('normal', '--key-dist'), usage('--key-dist: "normal": expected uniform, zipf or zipf:<exponent> (e.g. zipf:1.2)'));
});

test('the uniform picker draws exactly as random.int does', () => {
  const pick = createKeyPicker({ kind: 'uniform' }, 977);
  const a = new Random(9);
  const b = new Random(9);
  for (let i = 0; i < 10_000; i++) assert.equal(pick(a), b.int(977));
  assert.equal(a.uint32(), b.uint32(), 'both consumed the same randomness');
});

test('zipf frequencies fall as 1/k^s, rank 0 the most frequent', () => {
  for (const exponent of [1, 1.2]) {
    const seen = counts(createKeyPicker({ kind: 'zipf', exponent }, 1000), 1000, 200_000);
    const [first = 0, second = 0] = seen;
    const tenth = seen[9] ?? 0;
    const ratio2 = first / second;
    const ratio10 = first / tenth;
    assert.ok(Math.abs(ratio2 / 2 ** exponent - 1) < 0.05, `s=${exponent}: rank 0 / rank 1 = ${ratio2}, expected ${2 ** exponent}`);
    assert.ok(Math.abs(ratio10 / 10 ** exponent - 1) < 0.1, `s=${exponent}: rank 0 / rank 9 = ${ratio10}, expected ${10 ** exponent}`);
    assert.equal(Math.max(...seen), first);
    // The normalised head share: 1 / H(1000, s).
    let harmonic = 0;
    for (let k = 1; k <= 1000; k++) harmonic += k ** -exponent;
    assert.ok(Math.abs(first / 200_000 - 1 / harmonic) < 0.01, `s=${exponent}: rank 0 share ${first / 200_000}`);
  }
});

test('uniform spreads evenly; zipf reaches the tail too', () => {
  const uniform = counts(createKeyPicker({ kind: 'uniform' }, 10), 10, 100_000);
  for (const c of uniform) assert.ok(Math.abs(c - 10_000) < 500, `bucket ${c}`);
  const zipf = counts(createKeyPicker({ kind: 'zipf', exponent: 1 }, 50), 50, 100_000);
  assert.ok((zipf[49] ?? 0) > 0, 'the last rank is drawn');
});

test('a million accounts and a single account both work', () => {
  const big = createKeyPicker({ kind: 'zipf', exponent: 1.1 }, 1_000_000);
  const seen = new Map<number, number>();
  const random = new Random(3);
  for (let i = 0; i < 50_000; i++) {
    const index = big(random);
    assert.ok(index >= 0 && index < 1_000_000);
    seen.set(index, (seen.get(index) ?? 0) + 1);
  }
  assert.equal([...seen.entries()].sort((a, b) => b[1] - a[1])[0]?.[0], 0);
  const one = createKeyPicker({ kind: 'zipf', exponent: 2 }, 1);
  assert.equal(one(random), 0);
  assert.equal(createKeyPicker({ kind: 'uniform' }, 1)(random), 0);
});

test('createKeyPicker rejects a bad pool size or exponent', () => {
  assert.throws(() => createKeyPicker({ kind: 'uniform' }, 0), RangeError);
  assert.throws(() => createKeyPicker({ kind: 'uniform' }, 2.5), RangeError);
  assert.throws(() => createKeyPicker({ kind: 'zipf', exponent: 0 }, 10), RangeError);
  assert.throws(() => createKeyPicker({ kind: 'zipf', exponent: Infinity }, 10), RangeError);
});

test('describeKeys', () => {
  assert.equal(describeKeys({ kind: 'uniform' }), 'uniform');
  assert.equal(describeKeys({ kind: 'zipf', exponent: 1.2 }), 'zipf s=1.2');
});
