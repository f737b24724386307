/**
 * Enrichment from Redis on a real broker and a real redis-server of the test's own: a flow's events
 * take features from hashes and JSON values the test wrote (the heuristic model `flaky` scores
 * ip_risk_score as is, so each prediction shows the value it was scored with); a key written or
 * changed after a batch is seen once the cache's TTL has passed; a missing key with no default is
 * dead-lettered as MISSING_FEATURE naming the key and field; `defaults` scores a Redis that is down
 * with the defaults, flagged; and Redis killed and restarted under load, with the flow waiting, loses
 * nothing, duplicates nothing and scores nothing without its features.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { setTimeout as delay } from 'node:timers/promises';
import type { Message } from 'kafkajs';
import { DLQ_HEADERS } from '../../src/delivery/dead-letter.ts';
import { flowRepository } from '../support/flow-repository.ts';
import { type Collected, collect, createTopics, deleteTopics, uniqueName } from '../support/kafka.ts';
import { TestRedis, type TestRedisClient } from '../support/redis-server.ts';
import { goldenEvents, produceEvents, scenarioTopics, scorerConfig } from '../support/scenario.ts';
import { type ScorerHandle, startScorer, stopScorer } from '../support/scorer-process.ts';

interface Scored {
  readonly score: number;
  readonly flow: string;
  readonly source_topic: string;
  readonly source_partition: number;
  readonly source_offset: number;
  readonly attributes: Readonly<Record<string, string>>;
  readonly key: string;
}

const ACCOUNTS = 200;
const accountOf = (k: number) => `acct-${k}`;
/** The risk stored for account k, version v: distinct per account and per version. */
const risk = (k: number, v: number) => Math.round((k % 89) * 10 + v) / 1000;

const scoredOf = (collected: readonly Collected[]): Scored[] =>
  collected.map((c) => ({ ...JSON.parse((c.value as Buffer).toString('utf8')), key: c.key?.toString() ?? '' }));
const header = (c: Collected, name: string) => String(c.headers[name] ?? '');
const source = (topic: string, partition: number | string, offset: number | string) => `${topic}/${partition}:${offset}`;
const accountNumber = (key: string) => Number(key.slice('acct-'.length));

/** JSON events for accounts 0..ACCOUNTS-1 in turn; their own ip_risk_score (-5) must never be what is scored. */
function events(n: number): Message[] {
  return goldenEvents(n, ACCOUNTS).map(({ key, event }) => ({ key, value: JSON.stringify({ ...event, ip_risk_score: -5 }) }));
}

async function startRedis(t: { after(fn: () => unknown): void }): Promise<{ redis: TestRedis; writer: TestRedisClient }> {
  const redis = await TestRedis.start();
  t.after(() => redis.destroy());
  const writer = await redis.client();
  t.after(() => writer.destroy());
  return { redis, writer };
}

function flowScorer(groupId: string, repository: string, output: string, dlq: string, flows: unknown[], extra: Record<string, unknown> = {}) {
  const base = scorerConfig({ groupId, inputs: [], output, outputFormat: 'json', deadLetter: dlq, extra });
  return { ...base, models: { repository, serve: [{ name: 'flaky' }] }, flows, batching: { maxBatchSize: 64, maxDelayMs: 2 } };
}

async function started(t: { after(fn: () => unknown): void }, config: Record<string, unknown>): Promise<ScorerHandle> {
  const scorer = await startScorer(config);
  t.after(() => stopScorer(scorer, 'SIGKILL', 5000));
  await scorer.waitReady();
  return scorer;
}

/** Predictions and dead letters until `total` input offsets are answered. */
async function answered(topics: { output: string; dlq: string }, total: number, onRecord?: (count: number) => void) {
  const ids = new Set<string>();
  let read = 0;
  const all = await collect(
    [topics.output, topics.dlq],
    (got) => {
      for (const c of got.slice(read)) {
        if (c.topic === topics.output) {
          const p = scoredOf([c])[0] as Scored;
          ids.add(source(p.source_topic, p.source_partition, p.source_offset));
        } else ids.add(source(header(c, DLQ_HEADERS.topic), header(c, DLQ_HEADERS.partition), header(c, DLQ_HEADERS.offset)));
      }
      read = got.length;
      onRecord?.(got.length);
      return ids.size >= total;
    },
    180_000,
  );
  return { out: scoredOf(all.filter((c) => c.topic === topics.output)), dead: all.filter((c) => c.topic === topics.dlq) };
}

test('hash and JSON features are scored as stored; a missing key goes to the DLQ as MISSING_FEATURE; a change is seen after the TTL', async (t) => {
  const { redis, writer } = await startRedis(t);
  const hashed = await scenarioTopics(t, 'enrich-hash', 2);
  const jsonInput = uniqueName('enrich-json-in');
  await createTopics([{ topic: jsonInput, partitions: 2 }]);
  t.after(() => deleteTopics([jsonInput]));
  const repository = await flowRepository(t);
  // Accounts k % 10 == 9 have no key yet: no default on the hash side, a default on the JSON side.
  for (let k = 0; k < ACCOUNTS; k++) {
    if (k % 10 === 9) continue;
    await writer.hSet(`acct:${accountOf(k)}`, { risk: String(risk(k, 1)), other: 'x' });
    await writer.set(`profile:${accountOf(k)}`, JSON.stringify({ risk: { ip: risk(k, 2) } }));
  }
  const cache = { ttlMs: 300, negativeTtlMs: 150 };
  const flows = [
    {
      name: 'hashed',
      inputs: [{ topic: hashed.input, format: 'json' }],
      models: ['flaky'],
      enrich: { redis: { url: redis.url }, cache, lookups: [{ key: 'acct:{account_id}', as: 'hash', fields: [{ name: 'ip_risk_score', from: 'risk' }] }] },
    },
    {
      name: 'json',
      inputs: [{ topic: jsonInput, format: 'json' }],
      models: ['flaky'],
      enrich: {
        redis: { url: redis.url },
        cache,
        lookups: [{ key: 'profile:{account_id}', as: 'json', fields: [{ name: 'ip_risk_score', from: 'risk.ip', default: 0.999 }] }],
      },
    },
  ];
  const scorer = await started(t, flowScorer(uniqueName('enrich-group'), repository, hashed.output, hashed.dlq, flows));

  await produceEvents(hashed.input, events(1000));
  await produceEvents(jsonInput, events(1000));
  const first = await answered(hashed, 2000);
  const missingKeys = 1000 / 10;
  assert.equal(first.out.length, 2000 - missingKeys, 'one prediction per event whose key exists, and per JSON event');
  for (const p of first.out) {
    const k = accountNumber(p.key);
    const expected = p.flow === 'json' ? (k % 10 === 9 ? 0.999 : risk(k, 2)) : risk(k, 1);
    assert.equal(p.score, expected, `${p.flow} ${p.key} is scored with its stored value`);
    assert.equal(p.attributes['enrichment'], undefined, 'nothing is flagged while Redis answers');
  }
  assert.equal(first.dead.length, missingKeys);
  for (const d of first.dead) {
    assert.equal(header(d, DLQ_HEADERS.reason), 'MISSING_FEATURE');
    assert.equal(header(d, DLQ_HEADERS.topic), hashed.input, 'only the hash flow, which has no default, dead-letters');
    assert.match(header(d, DLQ_HEADERS.message), /^redis key "acct:acct-\d*9" has no field "risk" for ip_risk_score/);
  }

  // New values everywhere, and the missing keys written: after the TTLs a second pass sees all of them.
  for (let k = 0; k < ACCOUNTS; k++) await writer.hSet(`acct:${accountOf(k)}`, { risk: String(risk(k, 3)) });
  await delay(cache.ttlMs * 3);
  await produceEvents(hashed.input, events(1000));
  const second = await answered(hashed, 3000);
  const later = second.out.filter(
    (p) => p.flow === 'hashed' && !first.out.some((q) => q.source_offset === p.source_offset && q.source_partition === p.source_partition),
  );
  assert.equal(later.length, 1000, 'every event of the second pass is scored, the once-missing keys too');
  for (const p of later) assert.equal(p.score, risk(accountNumber(p.key), 3), `${p.key} is scored with the value written after the first pass`);
  assert.equal(second.dead.length, missingKeys, 'no dead letter in the second pass');

  const metrics = await scorer.metrics();
  assert.match(metrics, /scorer_enrichment_cache_hits_total\{flow="hashed"\} [1-9]/);
  assert.match(metrics, /scorer_enrichment_lookups_total\{flow="json",outcome="ok"\} [1-9]/);
  assert.match(metrics, /scorer_enrichment_keys_per_lookup_count\{flow="hashed"\} [1-9]/);
});

test('onUnavailable defaults scores with the defaults while Redis is down, each prediction flagged', async (t) => {
  const { redis } = await startRedis(t);
  await redis.kill();
  const topics = await scenarioTopics(t, 'enrich-defaults', 2);
  const repository = await flowRepository(t);
  const flows = [
    {
      name: 'defaulted',
      inputs: [{ topic: topics.input, format: 'json' }],
      models: ['flaky'],
      enrich: {
        redis: { url: redis.url },
        onUnavailable: 'defaults',
        retries: 1,
        timeoutMs: 100,
        lookups: [{ key: 'acct:{account_id}', as: 'hash', fields: [{ name: 'ip_risk_score', from: 'risk', default: 0.123 }] }],
      },
    },
  ];
  const scorer = await started(t, flowScorer(uniqueName('enrich-defaults-group'), repository, topics.output, topics.dlq, flows));
  await produceEvents(topics.input, events(300));
  const { out, dead } = await answered(topics, 300);
  assert.equal(dead.length, 0);
  assert.equal(out.length, 300);
  for (const p of out) {
    assert.equal(p.score, 0.123, 'scored with the default');
    assert.equal(p.attributes['enrichment'], 'defaulted', 'and flagged');
  }
  const metrics = await scorer.metrics();
  assert.match(metrics, /scorer_enrichment_defaulted_total\{flow="defaulted"\} 300/);
  assert.match(metrics, /scorer_enrichment_lookups_total\{flow="defaulted",outcome="error"\} [1-9]/);
});

test('Redis killed and restarted under load: the flow waits, intake pauses, nothing is lost, duplicated or scored without its features', async (t) => {
  const { redis, writer } = await startRedis(t);
  for (let k = 0; k < ACCOUNTS; k++) await writer.hSet(`acct:${accountOf(k)}`, { risk: String(risk(k, 1)) });
  // The restart loads what was saved: the store comes back with its keys, as a real one would.
  await redis.snapshot();
  const topics = await scenarioTopics(t, 'enrich-outage', 4);
  const repository = await flowRepository(t);
  const flows = [
    {
      name: 'waiting',
      inputs: [{ topic: topics.input, format: 'json' }],
      models: ['flaky'],
      enrich: {
        redis: { url: redis.url },
        // A short TTL, so the outage is met on nearly every batch rather than answered by the cache.
        cache: { ttlMs: 50, negativeTtlMs: 50 },
        retries: 2,
        timeoutMs: 200,
        // A default the wait must never use: a prediction of -1 would be one made without the feature.
        lookups: [{ key: 'acct:{account_id}', as: 'hash', fields: [{ name: 'ip_risk_score', from: 'risk', default: -1 }] }],
      },
    },
  ];
  const budget = { backpressure: { globalBudget: 1200, partitionBudget: 300 } };
  const scorer = await started(t, flowScorer(uniqueName('enrich-outage-group'), repository, topics.output, topics.dlq, flows, budget));

  const total = 8000;
  const all = events(total);
  const producing = (async () => {
    for (let i = 0; i < total; i += 250) {
      await produceEvents(topics.input, all.slice(i, i + 250));
      await delay(100);
    }
  })();
  let outage: Promise<{ paused: number; handedBack: boolean }> | undefined;
  const { out, dead } = await answered(topics, total, (count) => {
    if (outage !== undefined || count < 1500) return;
    outage = (async () => {
      await redis.kill();
      await delay(2500);
      const during = await scorer.metrics();
      // By reason (global, lane, partition budget...): any of them pausing is intake held back.
      const paused = [...during.matchAll(/^scorer_paused_partitions(?:\{[^}]*\})? (\d+)/gm)].reduce((sum, m) => sum + Number(m[1]), 0);
      await redis.up();
      return { paused, handedBack: /scorer_enrichment_handed_back_total\{flow="waiting"\} [1-9]/.test(during) };
    })();
  });
  await producing;
  const seen = await outage;
  assert.ok(seen !== undefined, 'Redis was killed mid-stream');
  assert.ok(seen.handedBack, 'batches were handed back while Redis was down');
  assert.ok(seen.paused > 0, 'intake paused partitions while the batches waited');
  assert.equal(dead.length, 0, 'nothing was dead-lettered');
  const ids = out.map((p) => source(p.source_topic, p.source_partition, p.source_offset));
  assert.equal(new Set(ids).size, total, 'every input offset has a prediction');
  assert.equal(ids.length, total, 'and only one');
  for (const p of out) assert.equal(p.score, risk(accountNumber(p.key), 1), `${p.key} at ${p.source_offset} is scored with its stored feature`);
  assert.match(scorer.logs(), /Redis is unavailable; the batch waits/);
  assert.equal((await stopScorer(scorer, 'SIGTERM', 30_000)).code, 0, scorer.logs().slice(-3000));
});
