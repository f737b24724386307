/**
 * W1 with enrichment from Redis (issue 11's benchmark): W1 through a bare flow (no hooks, no A/B) that
 * looks up one hash per event, `customer:{account_id}`, before the model. The bench starts a
 * redis-server of its own (devtools/redis-server.ts) and writes a hash for every account the backlog
 * draws from, so every lookup finds its key. Two cache hit ratios: 0% (no cache: every distinct key
 * of a batch is a round trip's key) and 90%: the accounts are drawn uniformly, and an LRU cache holding
 * 90% of them answers about 90% of the draws once warm (each worker thread's own cache sees every
 * account). Ratios are taken against plain W1 on the same client; the bare flow's own cost is in them.
 */
import { TestRedis } from '../devtools/redis-server.ts';
import { accountId } from '../loadgen/events.ts';
import type { SubjectTopics } from './flow-subject.ts';

/** The backlog's account count (bench/backlog.ts). */
export const BENCH_ACCOUNTS = 10_000;

export type HitPercent = 0 | 90;

export const ENRICH_FLOW_NAME = 'bench-enrich';

export function enrichOverlay(hitPercent: HitPercent): (topics: SubjectTopics) => Record<string, unknown> {
  const cache =
    hitPercent === 0 ? { ttlMs: 0, negativeTtlMs: 0, maxEntries: 1 } : { ttlMs: 600_000, negativeTtlMs: 1000, maxEntries: (BENCH_ACCOUNTS * hitPercent) / 100 };
  return (topics) => {
    if (topics.redisUrl === undefined) throw new Error('the enrichment subjects need the run to start a Redis (SubjectSpec.redis)');
    return {
      inputs: [],
      flows: [
        {
          name: ENRICH_FLOW_NAME,
          inputs: [{ topic: topics.inputTopic, format: 'avro' }],
          models: ['fraud'],
          enrich: {
            redis: { url: topics.redisUrl },
            cache,
            lookups: [
              {
                key: 'customer:{account_id}',
                as: 'hash',
                fields: [
                  { name: 'customer_ltv', from: 'ltv' },
                  { name: 'customer_segment', from: 'segment', type: 'string' },
                ],
              },
            ],
          },
        },
      ],
    };
  };
}

export interface BenchRedis {
  readonly url: string;
  destroy(): Promise<void>;
}

/** A redis-server holding a hash for every bench account. */
export async function startBenchRedis(): Promise<BenchRedis> {
  const redis = await TestRedis.start();
  try {
    const client = await redis.client();
    try {
      for (let from = 0; from < BENCH_ACCOUNTS; from += 1000) {
        const writes = [];
        for (let i = from; i < Math.min(BENCH_ACCOUNTS, from + 1000); i++)
          writes.push(client.hSet(`customer:${accountId(i)}`, { ltv: String((i % 997) * 1.5), segment: `s${i % 7}` }));
        await Promise.all(writes);
      }
    } finally {
      client.destroy();
    }
  } catch (error) {
    await redis.destroy();
    throw error;
  }
  return { url: redis.url, destroy: () => redis.destroy() };
}
