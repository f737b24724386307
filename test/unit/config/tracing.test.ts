import assert from 'node:assert/strict';
import { test } from 'node:test';
import { loadConfig } from '../../../src/config/load.ts';
import { minimal, violationAt, violationsOf } from './support.ts';

test('tracing is off by default, at 1% once on, named stream-scorer, with no endpoint', () => {
  const { tracing } = loadConfig({ overrides: minimal() });
  assert.deepEqual(tracing, { enabled: false, samplingRatio: 0.01, serviceName: 'stream-scorer' });
});

test('tracing settings come from the environment too', () => {
  const { tracing } = loadConfig({
    overrides: minimal(),
    env: { SCORER_TRACING__ENABLED: 'true', SCORER_TRACING__OTLP_ENDPOINT: 'http://collector:4318/v1/traces', SCORER_TRACING__SAMPLING_RATIO: '0.5' },
  });
  assert.equal(tracing.enabled, true);
  assert.equal(tracing.otlpEndpoint, 'http://collector:4318/v1/traces');
  assert.equal(tracing.samplingRatio, 0.5);
});

test('a bad tracing setting is refused, naming it', () => {
  const violations = violationsOf(() =>
    loadConfig({ overrides: { ...minimal(), tracing: { enabled: true, otlpEndpoint: 'collector:4318', samplingRatio: 2, serviceName: '' } } }),
  );
  assert.equal(violationAt(violations, 'tracing.otlpEndpoint'), 'must be an http(s) URL (got "collector:4318")');
  assert.equal(violationAt(violations, 'tracing.samplingRatio'), 'must be a number between 0 and 1 (got 2)');
  assert.equal(violationAt(violations, 'tracing.serviceName'), 'must be a non-empty string (got "")');
});
