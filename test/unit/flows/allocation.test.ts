import assert from 'node:assert/strict';
import { test } from 'node:test';
import { allocationPoint, compileAllocator, murmur3 } from '../../../src/flows/allocation.ts';
import type { ExperimentPlan } from '../../../src/flows/plan.ts';

const KEYS = 100_000;

function experiment(id: string, weights: readonly number[]): ExperimentPlan {
  return { id, variants: weights.map((weight, i) => ({ name: `v${i}`, model: `m:${i}`, weight })) };
}

/** Each variant's share of KEYS distinct user keys. */
function shares(plan: ExperimentPlan): number[] {
  const allocator = compileAllocator(plan);
  const counts = new Map(plan.variants.map((v) => [v.name, 0]));
  for (let i = 0; i < KEYS; i++) {
    const name = allocator.variantOf(`user-${i}`).name;
    counts.set(name, (counts.get(name) ?? 0) + 1);
  }
  return plan.variants.map((v) => (counts.get(v.name) ?? 0) / KEYS);
}

test('the hash is MurmurHash3 x86 32-bit over UTF-8, as its published test vectors give it', () => {
  assert.equal(murmur3(''), 0);
  assert.equal(murmur3('', 1), 0x514e28b7);
  assert.equal(murmur3('hello'), 0x248bfa47);
  assert.equal(murmur3('The quick brown fox jumps over the lazy dog'), 0x2e4ff723);
  assert.equal(murmur3('aaaa', 0x9747b28c), 0x5a97808a);
  // Multi-byte characters hash as their UTF-8 bytes (values from an independent implementation over UTF-8).
  assert.equal(murmur3('é'), 269551495);
  assert.equal(murmur3('日本語キー'), 3757955032);
});

test('a key gets the same variant every time and from a fresh allocator (no randomness, no state)', () => {
  const plan = experiment('exp-1', [1, 1, 1]);
  const first = compileAllocator(plan);
  const again = compileAllocator(plan);
  for (let i = 0; i < 1000; i++) {
    const key = `user-${i}`;
    assert.equal(first.variantOf(key), first.variantOf(key));
    assert.equal(again.variantOf(key).name, first.variantOf(key).name);
  }
  // Pinned, so a change of hash or of key layout (which would move every user to another variant) fails here.
  assert.equal(allocationPoint('exp-1', 'user-42'), 2403468451 / 2 ** 32);
  assert.deepEqual(
    ['alice', 'bob', 'carol', 'dave'].map((k) => first.variantOf(k).name),
    ['alice', 'bob', 'carol', 'dave'].map((k) => compileAllocator(experiment('exp-1', [5, 5, 5])).variantOf(k).name),
    'scaling every weight changes nothing',
  );
});

for (const weights of [
  [50, 50],
  [90, 10],
  [1, 2, 7],
]) {
  test(`over ${KEYS} keys the split is within 1% of the weights ${weights.join('/')}`, () => {
    const total = weights.reduce((a, b) => a + b, 0);
    const got = shares(experiment(`split-${weights.join('-')}`, weights));
    got.forEach((share, i) => {
      const want = (weights[i] as number) / total;
      assert.ok(Math.abs(share - want) < 0.01, `variant ${i}: ${share} against ${want}`);
    });
  });
}

test('experiments allocate independently: the same users split again in another experiment', () => {
  const a = compileAllocator(experiment('a', [1, 1]));
  const b = compileAllocator(experiment('b', [1, 1]));
  let same = 0;
  for (let i = 0; i < 10_000; i++) if (a.variantOf(`u${i}`).name === b.variantOf(`u${i}`).name) same++;
  assert.ok(Math.abs(same / 10_000 - 0.5) < 0.03, `${same} of 10000 in the same variant in both`);
});

test('no key is allocated as the empty string: always the same variant', () => {
  const allocator = compileAllocator(experiment('keyless', [1, 1, 1]));
  assert.equal(allocator.variantOf(null), allocator.variantOf(''));
  assert.equal(allocator.variantOf(null), allocator.variantOf(null));
});

test('an experiment without variants or with a weight that is not positive is refused, naming it', () => {
  assert.throws(() => compileAllocator({ id: 'e', variants: [] }), /experiment e has no variants/);
  assert.throws(() => compileAllocator(experiment('e', [1, 0])), /experiment e, variant v1: weight must be > 0, got 0/);
  assert.throws(() => compileAllocator(experiment('e', [1, Number.NaN])), /weight must be > 0/);
});
