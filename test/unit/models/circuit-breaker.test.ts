import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CircuitBreakers } from '../../../src/models/circuit-breaker.ts';
import { FakeClock } from '../../support/fake-clock.ts';

const SETTINGS = { errorRate: 0.5, minBatches: 4, windowMs: 1000, openMs: 500 };

function setup() {
  const clock = new FakeClock(0);
  return { clock, breakers: new CircuitBreakers(SETTINGS, clock) };
}

test('opens once the failed share reaches errorRate over at least minBatches, not before', () => {
  const { breakers } = setup();
  assert.equal(breakers.record('m:1', true), undefined);
  assert.equal(breakers.record('m:1', true), undefined);
  assert.equal(breakers.record('m:1', true), undefined, 'three failures, but fewer than minBatches batches');
  const opened = breakers.record('m:1', false);
  assert.deepEqual(opened, { model: 'm:1', from: 'closed', to: 'open', failed: 3, batches: 4 });
  assert.deepEqual(breakers.open().skip, ['m:1']);
  assert.equal(breakers.state('other:1'), 'closed', 'circuits are per model');
});

test('batches older than the window do not count', () => {
  const { clock, breakers } = setup();
  for (let i = 0; i < 3; i++) breakers.record('m:1', true);
  clock.advance(1500);
  for (let i = 0; i < 3; i++) assert.equal(breakers.record('m:1', false), undefined);
  assert.equal(breakers.record('m:1', true), undefined, '1 failed of 4 in the window: under the rate');
  assert.equal(breakers.state('m:1'), 'closed');
});

test('after openMs the model runs again; its first good batch closes the circuit, a failed one reopens it', () => {
  const { clock, breakers } = setup();
  for (let i = 0; i < 4; i++) breakers.record('m:1', true);
  clock.advance(499);
  assert.deepEqual(breakers.open().skip, ['m:1'], 'still open');
  clock.advance(1);
  const { skip, transitions } = breakers.open();
  assert.deepEqual(skip, [], 'half-open: the model runs');
  assert.deepEqual(
    transitions.map((t) => t.to),
    ['half-open'],
  );
  assert.equal(breakers.record('m:1', true)?.to, 'open', 'a failed probe reopens');
  assert.deepEqual(breakers.open().skip, ['m:1']);
  clock.advance(500);
  breakers.open();
  assert.equal(breakers.record('m:1', false)?.to, 'closed');
  assert.deepEqual(breakers.open().skip, []);
  for (let i = 0; i < 3; i++) assert.equal(breakers.record('m:1', true), undefined, 'closed with a clear window: minBatches again');
});
