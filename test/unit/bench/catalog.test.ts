import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DEFAULT_CLIENT, DRAIN_ROTATION, SUBJECTS, sustainOrder } from '../../../bench/catalog.ts';
import { STAGES } from '../../../bench/options.ts';
import { loadConfig } from '../../../src/config/load.ts';

const TOPICS = { inputTopic: 'bench-in', outputTopic: 'bench-out' };
const RUN = { otlpUrl: 'http://127.0.0.1:4318/v1/traces' };

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

test('a drain rotation is W1 next to its pass-through, per client, and traced W1, W1 through a flow, with enrichment, then exactly-once W1 right after platformatic’s W1', () => {
  assert.deepEqual(DRAIN_ROTATION, [
    'w1-kafkajs',
    'passthrough-kafkajs',
    'w1-platformatic',
    'w1-traced-platformatic',
    'w1-flow-platformatic',
    'w1-enrich0-platformatic',
    'w1-enrich90-platformatic',
    'w1-eos-platformatic',
    'passthrough-platformatic',
  ]);
  assert.deepEqual(SUBJECTS['w1-eos-platformatic'].scorer?.(TOPICS, RUN), { delivery: { guarantee: 'exactly-once' } });
  assert.deepEqual(SUBJECTS['w1-traced-platformatic'].scorer?.(TOPICS, RUN), {
    tracing: { enabled: true, otlpEndpoint: RUN.otlpUrl, samplingRatio: 0.01, serviceName: 'stream-scorer-bench' },
  });
});

test('the sustainable-rate searches: each client’s pass-through then its W1, W1 through a flow right after platformatic’s W1', () => {
  assert.deepEqual(sustainOrder(STAGES), [
    'w2',
    'passthrough-kafkajs',
    'w1-kafkajs',
    'passthrough-platformatic',
    'w1-platformatic',
    'w1-flow-platformatic',
    'naive',
  ]);
  assert.deepEqual(sustainOrder(['w1', 'flow']), ['w1-kafkajs', 'w1-platformatic', 'w1-flow-platformatic']);
  assert.deepEqual(sustainOrder(['flow']), ['w1-flow-platformatic']);
  assert.deepEqual(sustainOrder(['drain', 'w1']), ['w1-kafkajs', 'w1-platformatic']);
});

test('every title names its client', () => {
  for (const [id, spec] of Object.entries(SUBJECTS)) {
    const client = spec.client ?? 'default client';
    assert.ok(spec.title.includes(client), `${id}: "${spec.title}" names ${client}`);
  }
});
