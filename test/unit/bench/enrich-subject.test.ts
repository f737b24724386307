/** The benchmark's enrichment subjects (bench/enrich-subject.ts): the configs the scorer gets, valid and as described. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SUBJECTS } from '../../../bench/catalog.ts';
import { BENCH_ACCOUNTS, ENRICH_FLOW_NAME } from '../../../bench/enrich-subject.ts';
import { subjectConfig } from './subject-config.ts';

const TOPICS = { inputTopic: 'bench-in-x', outputTopic: 'bench-out-x', redisUrl: 'redis://127.0.0.1:6390' };
const RUN = { otlpUrl: 'http://127.0.0.1:4318/v1/traces' };

function configOf(id: 'w1-enrich0-platformatic' | 'w1-enrich90-platformatic') {
  const spec = SUBJECTS[id];
  assert.equal(spec.redis, true, 'the run starts a Redis for it');
  return subjectConfig(spec, TOPICS);
}

test('both subjects are one bare flow on the run’s input, looking up the account’s hash in the run’s Redis', () => {
  for (const id of ['w1-enrich0-platformatic', 'w1-enrich90-platformatic'] as const) {
    const config = configOf(id);
    assert.deepEqual(config.inputs, []);
    const [flow] = config.flows;
    assert.equal(flow?.name, ENRICH_FLOW_NAME);
    assert.deepEqual(flow?.inputs, [{ topic: TOPICS.inputTopic, format: 'avro' }]);
    assert.equal(flow?.preprocess, undefined);
    assert.equal(flow?.enrich?.redis.url, TOPICS.redisUrl);
    assert.equal(flow?.enrich?.lookups[0]?.key, 'customer:{account_id}');
  }
});

test('0% hits: no cache; 90% hits: an LRU holding 90% of the uniformly drawn accounts', () => {
  assert.equal(configOf('w1-enrich0-platformatic').flows[0]?.enrich?.cache.ttlMs, 0);
  const warm = configOf('w1-enrich90-platformatic').flows[0]?.enrich?.cache;
  assert.equal(warm?.maxEntries, BENCH_ACCOUNTS * 0.9);
  assert.ok((warm?.ttlMs ?? 0) >= 600_000, 'no entry expires within a run');
});

test('a run that started no Redis is refused, not scored without one', () => {
  const { redisUrl: _, ...noRedis } = TOPICS;
  assert.throws(() => SUBJECTS['w1-enrich0-platformatic'].scorer?.(noRedis, RUN), /need the run to start a Redis/);
});
