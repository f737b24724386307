import assert from 'node:assert/strict';
import { test } from 'node:test';
import { httpStatusOf, registryFailure } from '../../../src/codecs/registry-errors.ts';

const withStatus = (status: number) => Object.assign(new Error(`status ${status}`), { status });

test('transport failures (reported as 400), 5xx and 429 are retryable', () => {
  for (const status of [400, 429, 500, 503]) assert.equal(registryFailure('x', withStatus(status)).retryable, true, `${status}`);
});

test('401, 403 and errors without an HTTP status are not retryable', () => {
  for (const status of [401, 403]) assert.equal(registryFailure('x', withStatus(status)).retryable, false, `${status}`);
  assert.equal(registryFailure('x', new Error('compatibility mismatch')).retryable, false);
});

test('the failure keeps the cause, the status and the action', () => {
  const cause = withStatus(503);
  const failure = registryFailure('fetching schema id 7', cause);
  assert.equal(failure.code, 'SCORER_ERR_SCHEMA_REGISTRY');
  assert.equal(failure.cause, cause);
  assert.deepEqual(failure.details, { status: 503 });
  assert.match(failure.message, /fetching schema id 7 failed: status 503/);
  assert.equal(httpStatusOf({ status: '503' }), undefined);
});
