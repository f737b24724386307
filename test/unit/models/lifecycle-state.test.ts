/** The switch and rollback rules of hot reload. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { LifecycleState } from '../../../src/models/lifecycle-state.ts';

const fresh = () => new LifecycleState(new Map([['fraud', 1]]));

test('a switch makes the served version the previous one; both stay kept', () => {
  const state = fresh();
  assert.deepEqual(state.kept(), [{ name: 'fraud', version: 1 }]);
  state.switched('fraud', 2, 'watch', 100);
  assert.deepEqual(state.get('fraud'), { name: 'fraud', version: 2, previous: 1, lastReload: { version: 2, result: 'switched', trigger: 'watch', at: 100 } });
  assert.deepEqual(state.kept(), [
    { name: 'fraud', version: 2 },
    { name: 'fraud', version: 1 },
  ]);
  state.switched('fraud', 3, 'admin', 200);
  assert.deepEqual([state.get('fraud')?.version, state.get('fraud')?.previous], [3, 2], 'version 1 is no longer kept');
});

test('a switch to the served version changes nothing but the last reload', () => {
  const state = fresh();
  state.switched('fraud', 1, 'admin', 5);
  assert.deepEqual([state.get('fraud')?.version, state.get('fraud')?.previous], [1, undefined]);
});

test('a rollback needs a previous version; a second one undoes the first', () => {
  const state = fresh();
  assert.deepEqual(state.rollbackPlan('fraud'), {
    ok: false,
    reason: 'model fraud has no previous version to roll back to (it serves version 1 since start-up)',
  });
  assert.deepEqual(state.rollbackPlan('churn'), { ok: false, reason: 'model churn is not served' });
  state.switched('fraud', 2, 'watch', 1);
  assert.deepEqual(state.rollbackPlan('fraud'), { ok: true, from: 2, to: 1 });
  state.switched('fraud', 1, 'rollback', 2);
  assert.deepEqual([state.get('fraud')?.version, state.get('fraud')?.previous], [1, 2]);
  assert.deepEqual(state.rollbackPlan('fraud'), { ok: true, from: 1, to: 2 });
});

test('a failed reload serves on and is the last failure until a later reload of that model switches', () => {
  const state = new LifecycleState(
    new Map([
      ['fraud', 2],
      ['heavy', 1],
    ]),
  );
  state.failed('fraud', 3, 'watch', 'model.onnx is truncated', 10);
  state.failed('heavy', 2, 'admin', 'golden.json does not match', 20);
  assert.deepEqual(state.get('fraud')?.version, 2);
  assert.deepEqual(state.lastFailure(), { model: 'heavy', version: 2, result: 'failed', trigger: 'admin', reason: 'golden.json does not match', at: 20 });
  state.switched('heavy', 3, 'admin', 30);
  assert.equal(state.lastFailure()?.model, 'fraud');
  state.switched('fraud', 4, 'watch', 40);
  assert.equal(state.lastFailure(), undefined);
});
