import assert from 'node:assert/strict';
import { test } from 'node:test';
import { httpStatusOf, registryFailure, transportFailure } from '../../../src/codecs/registry-errors.ts';

const withStatus = (status: number, text = `status ${status}`) => Object.assign(new Error(text), { status });
const refused = withStatus(400, 'Confluent_Schema_Registry - Error, status 400: connect ECONNREFUSED 127.0.0.1:8081');

test('a connection that never got an HTTP reply is reported as unreachable, not as the 400 the client invents', () => {
  const failure = registryFailure('registering the output schema', refused, 'schema registry at http://127.0.0.1:8081');
  assert.equal(
    failure.message,
    'schema registry at http://127.0.0.1:8081 is unreachable (connect ECONNREFUSED 127.0.0.1:8081) while registering the output schema',
  );
  assert.equal(failure.retryable, true);
  assert.doesNotMatch(failure.message, /status 400/);
  assert.equal(failure.message.split('ECONNREFUSED').length, 2, 'the socket error appears once');
  assert.equal(transportFailure(withStatus(400, 'Confluent_Schema_Registry - Error, status 400: socket hang up')), 'socket hang up');
});

test('5xx and 429 are retryable; 401, 403 and errors without an HTTP status are not', () => {
  for (const status of [429, 500, 503]) assert.equal(registryFailure('x', withStatus(status)).retryable, true, `${status}`);
  for (const status of [401, 403]) assert.equal(registryFailure('x', withStatus(status)).retryable, false, `${status}`);
  assert.equal(registryFailure('x', new Error('compatibility mismatch')).retryable, false);
});

test('an HTTP failure keeps the status and the action', () => {
  const failure = registryFailure('fetching schema id 7', withStatus(503));
  assert.equal(failure.code, 'SCORER_ERR_SCHEMA_REGISTRY');
  assert.deepEqual(failure.details, { status: 503 });
  assert.match(failure.message, /fetching schema id 7 failed: status 503/);
  assert.equal(httpStatusOf({ status: '503' }), undefined);
});
