import assert from 'node:assert/strict';
import { test } from 'node:test';
import { closest } from '../../../src/config/suggest.ts';

test('suggests a close spelling, ignoring case, underscores and dashes', () => {
  const keys = ['brokers', 'clientId', 'groupId', 'maxBatchSize', 'maxDelayMs'];
  assert.equal(closest('broker', keys), 'brokers');
  assert.equal(closest('max_batch_size', keys), 'maxBatchSize');
  assert.equal(closest('client-id', keys), 'clientId');
  assert.equal(closest('maxDelay', keys), 'maxDelayMs');
});

test('suggests nothing when no candidate is close', () => {
  assert.equal(closest('topic', ['brokers', 'clientId']), undefined);
  assert.equal(closest('x', []), undefined);
});
