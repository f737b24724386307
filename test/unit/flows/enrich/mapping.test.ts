/** A stored value onto an event's features: types, defaults, and messages that name the Redis key and field. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { compileField, fillDefaults, mapStored } from '../../../../src/flows/enrich/mapping.ts';
import { storedJson } from '../../../../src/flows/enrich/stored.ts';
import type { EnrichFieldPlan } from '../../../../src/flows/plan.ts';

const field = (plan: Partial<EnrichFieldPlan> & { name: string }): EnrichFieldPlan => ({ from: plan.name, type: 'number', ...plan });

test('hash values are parsed for number fields and kept for string fields', () => {
  const fields = [field({ name: 'ltv', from: 'lifetime' }), field({ name: 'tier', type: 'string' })].map(compileField);
  const event: Record<string, unknown> = { amount: 3 };
  assert.equal(mapStored('customer:1', { kind: 'hash', values: ['12.5', 'gold'] }, fields, event), undefined);
  assert.deepEqual(event, { amount: 3, ltv: 12.5, tier: 'gold' });
});

test('JSON values are read by dotted path; a stored value wins over the event', () => {
  const fields = [field({ name: 'score', from: 'risk.score' }), field({ name: 'segment', from: 'segment', type: 'string' })].map(compileField);
  const event: Record<string, unknown> = { score: -1 };
  assert.equal(mapStored('p:9', storedJson('{"risk":{"score":0.25},"segment":7}'), fields, event), undefined);
  assert.deepEqual(event, { score: 0.25, segment: '7' });
});

test('a missing value takes its default; without one the record fails MISSING_FEATURE naming key and field', () => {
  const fields = [field({ name: 'ltv', default: 0 }), field({ name: 'age', from: 'age_days' })].map(compileField);
  const event: Record<string, unknown> = {};
  const problem = mapStored('customer:404', { kind: 'hash', values: [null, null] }, fields, event);
  assert.deepEqual(problem, { reason: 'MISSING_FEATURE', message: 'redis key "customer:404" has no field "age_days" for age, and age has no default' });
  assert.equal(event['ltv'], 0);
  const none = mapStored('p:0', storedJson(null), [compileField(field({ name: 'x' }))], {});
  assert.equal(none?.reason, 'MISSING_FEATURE');
  assert.match(none?.message ?? '', /redis key "p:0" has no field "x"/);
});

test('a value of the wrong kind fails FEATURE_TYPE; a key that is no hash or no JSON says so', () => {
  const problem = mapStored('customer:1', { kind: 'hash', values: ['lots'] }, [compileField(field({ name: 'ltv' }))], {});
  assert.deepEqual(problem, { reason: 'FEATURE_TYPE', message: 'redis key "customer:1" field "ltv" holds "lots", not a number (for ltv)' });
  const broken = mapStored('p:1', storedJson('{nope'), [compileField(field({ name: 'x' }))], {});
  assert.match(broken?.message ?? '', /redis key "p:1" has no field "x" for x: the key holds no JSON/);
});

test('fillDefaults sets every default, and says when a field has none', () => {
  const event: Record<string, unknown> = {};
  assert.equal(fillDefaults([field({ name: 'a', default: 1 }), field({ name: 'b', type: 'string', default: 'n' })].map(compileField), event), true);
  assert.deepEqual(event, { a: 1, b: 'n' });
  assert.equal(fillDefaults([field({ name: 'c' })].map(compileField), {}), false);
});
