import assert from 'node:assert/strict';
import { test } from 'node:test';
import { envName, envSettings, readEnvOverrides } from '../../../src/config/env.ts';
import { configSchema } from '../../../src/config/schema.ts';
import { Violations } from '../../../src/config/violations.ts';

test('a variable name is SCORER_ plus the SNAKE_CASE path joined by __', () => {
  assert.equal(envName(['batching', 'maxBatchSize']), 'SCORER_BATCHING__MAX_BATCH_SIZE');
  assert.equal(envName(['kafka', 'consumer', 'sessionTimeoutMs']), 'SCORER_KAFKA__CONSUMER__SESSION_TIMEOUT_MS');
  assert.equal(envName(['schemaRegistry', 'url']), 'SCORER_SCHEMA_REGISTRY__URL');
  const names = [...envSettings(configSchema).keys()];
  for (const name of ['SCORER_KAFKA__BROKERS', 'SCORER_HTTP__PORT', 'SCORER_DEAD_LETTER__TOPIC', 'SCORER_INFERENCE__THREADS']) {
    assert.ok(names.includes(name), name);
  }
  assert.equal(new Set(names).size, names.length, 'two settings share a variable');
});

const read = (env: Record<string, string>) => {
  const violations = new Violations();
  const overrides = readEnvOverrides(configSchema, env, violations);
  return { ...overrides, violations: violations.list };
};

test('values are coerced by the type of their setting', () => {
  const { tree, violations } = read({
    SCORER_BATCHING__MAX_BATCH_SIZE: ' 42 ',
    SCORER_BATCHING__MAX_DELAY_MS: '1e1',
    SCORER_KAFKA__CONSUMER__FROM_BEGINNING: 'No',
    SCORER_KAFKA__BROKERS: 'a:1, b:2,,c:3',
    SCORER_HTTP__PORT: '0x10',
    SCORER_OUTPUT__TOPIC: 'out',
  });
  assert.deepEqual(violations, []);
  assert.deepEqual(tree, {
    batching: { maxBatchSize: 42, maxDelayMs: 10 },
    kafka: { consumer: { fromBeginning: false }, brokers: ['a:1', 'b:2', 'c:3'] },
    http: { port: '0x10' }, // not a decimal number: left as text for validation to report
    output: { topic: 'out' },
  });
});

test('booleans accept true/false/1/0/yes/no and nothing else', () => {
  for (const [text, value] of [
    ['TRUE', true],
    ['0', false],
    ['yes', true],
    ['maybe', 'maybe'],
  ] as const) {
    const { tree } = read({ SCORER_KAFKA__CONSUMER__FROM_BEGINNING: text });
    assert.deepEqual(tree, { kafka: { consumer: { fromBeginning: value } } });
  }
});

test('sourceOf names the variable behind a path and its list items', () => {
  const { sourceOf } = read({ SCORER_KAFKA__BROKERS: 'a:1', SCORER_HTTP__PORT: '1' });
  assert.equal(sourceOf('kafka.brokers[3]'), 'SCORER_KAFKA__BROKERS');
  assert.equal(sourceOf('http.port'), 'SCORER_HTTP__PORT');
  assert.equal(sourceOf('http.host'), undefined);
});

test('lists of mappings cannot be set from the environment', () => {
  const { tree, violations } = read({ SCORER_MODELS__SERVE: 'fraud' });
  assert.deepEqual(tree, {});
  assert.deepEqual(
    violations.map((v) => v.path),
    ['SCORER_MODELS__SERVE'],
  );
});
