import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DEFAULT_CLIENT, DRAIN_ROTATION, SUBJECTS } from '../../../bench/catalog.ts';
import { loadConfig } from '../../../src/config/load.ts';

test('the suite’s default client is the scorer’s', () => {
  const config = loadConfig({
    env: {},
    overrides: {
      schemaRegistry: { url: 'http://127.0.0.1:8081' },
      models: { serve: [{ name: 'fraud' }] },
      inputs: [{ topic: 'in', format: 'avro', model: 'fraud' }],
      output: { topic: 'out', format: 'avro' },
    },
  });
  assert.equal(config.kafka.client, DEFAULT_CLIENT);
});

test('a drain rotation is W1 next to its pass-through, per client, and exactly-once W1 next to platformatic’s W1', () => {
  assert.deepEqual(DRAIN_ROTATION, ['w1-kafkajs', 'passthrough-kafkajs', 'w1-platformatic', 'w1-eos-platformatic', 'passthrough-platformatic']);
  assert.deepEqual(SUBJECTS['w1-eos-platformatic'].scorer, { delivery: { guarantee: 'exactly-once' } });
});

test('every title names its client', () => {
  for (const [id, spec] of Object.entries(SUBJECTS)) {
    const client = spec.client ?? 'default client';
    assert.ok(spec.title.includes(client), `${id}: "${spec.title}" names ${client}`);
  }
});
