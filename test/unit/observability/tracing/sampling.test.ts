import assert from 'node:assert/strict';
import { test } from 'node:test';
import { sampleRecord } from '../../../../src/observability/tracing/sampling.ts';
import { seededRandom } from '../../../support/seeded-random.ts';

const parent = (sampled: boolean) => ({ traceId: 'a'.repeat(32), spanId: 'b'.repeat(16), sampled });
const never = () => {
  throw new Error('the ratio is not consulted for a record with a parent');
};

test("a record with a parent follows the parent's decision, whatever the ratio", () => {
  assert.equal(sampleRecord(parent(true), 0, never), true);
  assert.equal(sampleRecord(parent(false), 1, never), false);
});

test('a record starting a trace is sampled at the ratio', () => {
  const random = seededRandom(11);
  let sampled = 0;
  for (let i = 0; i < 100_000; i++) if (sampleRecord(undefined, 0.01, random)) sampled++;
  // 1% of 100,000 is 1,000; the binomial's standard deviation is about 31.
  assert.ok(sampled > 880 && sampled < 1120, `${sampled} of 100,000 sampled at 1%`);
});

test('ratio 0 samples no root and ratio 1 every one', () => {
  const random = seededRandom(3);
  for (let i = 0; i < 1000; i++) {
    assert.equal(sampleRecord(undefined, 0, random), false);
    assert.equal(sampleRecord(undefined, 1, random), true);
  }
});
