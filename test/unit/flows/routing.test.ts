import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ExperimentPlan, RoutePlan } from '../../../src/flows/plan.ts';
import { compileRouter, type RouteRow } from '../../../src/flows/routing.ts';

const row = (over: Partial<RouteRow> = {}): RouteRow => ({ event: {}, topic: 'in', header: null, key: null, ...over });
const models = (plan: RoutePlan, r: RouteRow, experiments: ExperimentPlan[] = []) =>
  compileRouter(plan, experiments)
    .route(r)
    .map((s) => s.model);

const AB: ExperimentPlan = {
  id: 'ab',
  keyField: 'user.id',
  variants: [
    { name: 'control', model: 'm:1', weight: 1 },
    { name: 'candidate', model: 'm:2', weight: 1 },
  ],
};

test('by field: a dotted path read from the event, compared as a string; absent or unknown take the fallthrough', () => {
  const plan: RoutePlan = {
    by: 'field',
    name: 'shop.country',
    table: { DE: [{ model: 'de:1' }], '7': [{ model: 'seven:1' }] },
    fallthrough: [{ model: 'any:1' }],
  };
  assert.deepEqual(models(plan, row({ event: { shop: { country: 'DE' } } })), ['de:1']);
  assert.deepEqual(models(plan, row({ event: { shop: { country: 7 } } })), ['seven:1'], 'a number matches its decimal text');
  assert.deepEqual(models(plan, row({ event: { shop: { country: 'FR' } } })), ['any:1']);
  assert.deepEqual(models(plan, row({ event: { shop: null } })), ['any:1']);
  assert.deepEqual(models(plan, row({ event: { shop: { country: null } } })), ['any:1']);
});

test('by header and by topic', () => {
  const byHeader: RoutePlan = { by: 'header', name: 'x-market', table: { eu: [{ model: 'eu:1' }] }, fallthrough: [] };
  assert.deepEqual(models(byHeader, row({ header: 'eu' })), ['eu:1']);
  assert.deepEqual(models(byHeader, row({ header: null })), [], 'no header and an empty fallthrough: no model');
  const byTopic: RoutePlan = { by: 'topic', name: '', table: { a: [{ model: 'a:1' }], b: [{ model: 'b:1' }] }, fallthrough: [] };
  assert.deepEqual(models(byTopic, row({ topic: 'b' })), ['b:1']);
});

test('all: every target, in order (fan-out)', () => {
  const plan: RoutePlan = { by: 'all', targets: [{ model: 'a:1' }, { model: 'b:1' }] };
  assert.deepEqual(models(plan, row()), ['a:1', 'b:1']);
});

test('an experiment target becomes the variant of the key field, or of the record key without one', () => {
  const router = compileRouter({ by: 'all', targets: [{ model: 'base:1' }, { experiment: 'ab' }] }, [AB]);
  const seen = new Set<string>();
  for (let i = 0; i < 50; i++) {
    const [base, variant] = router.route(row({ event: { user: { id: `u${i}` } }, key: 'ignored' }));
    assert.deepEqual(base, { model: 'base:1' });
    assert.equal(variant?.experiment, 'ab');
    assert.equal(variant?.model, variant?.variant === 'control' ? 'm:1' : 'm:2');
    const again = router.route(row({ event: { user: { id: `u${i}` } }, key: 'other' }))[1];
    assert.equal(again?.variant, variant?.variant, 'the key field decides, not the record key');
    seen.add(variant?.variant ?? '');
  }
  assert.deepEqual([...seen].sort(), ['candidate', 'control']);
  const byKey = (key: string) => router.route(row({ event: {}, key }))[1]?.variant;
  const keyed = Array.from({ length: 50 }, (_, i) => byKey(`u${i}`));
  const fielded = Array.from({ length: 50 }, (_, i) => router.route(row({ event: { user: { id: `u${i}` } } }))[1]?.variant);
  assert.deepEqual(keyed, fielded, 'without the field, the record key is the allocation key');
});

test('the models a router can reach; an undeclared experiment is refused', () => {
  const router = compileRouter({ by: 'field', name: 'c', table: { x: [{ experiment: 'ab' }] }, fallthrough: [{ model: 'z:1' }] }, [AB]);
  assert.deepEqual([...router.models].sort(), ['m:1', 'm:2', 'z:1']);
  assert.throws(() => compileRouter({ by: 'all', targets: [{ experiment: 'nope' }] }, []), /experiment nope, which the flow does not declare/);
});
