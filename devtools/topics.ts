/**
 * Topic creation that waits until every partition has a leader, for the tests, the benchmark suite and
 * the load generator. kafkajs's own waitForLeaders can fail with UNKNOWN_TOPIC_OR_PARTITION while the
 * controller is still propagating, so this polls metadata instead.
 */
import type { Admin } from 'kafkajs';

export interface TopicSpec {
  readonly topic: string;
  readonly partitions: number;
}

export async function createTopicsReady(admin: Admin, topics: readonly TopicSpec[], timeoutMs = 30_000): Promise<void> {
  await admin.createTopics({
    waitForLeaders: false,
    topics: topics.map((t) => ({ topic: t.topic, numPartitions: t.partitions, replicationFactor: 1 })),
  });
  const wanted = new Map(topics.map((t) => [t.topic, t.partitions]));
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const ready = await admin
      .fetchTopicMetadata({ topics: [...wanted.keys()] })
      .then((m) => m.topics.every((t) => t.partitions.length === wanted.get(t.name) && t.partitions.every((p) => p.leader >= 0)))
      .catch(() => false);
    if (ready) return;
    if (Date.now() > deadline) throw new Error(`topics not ready after ${timeoutMs} ms: ${[...wanted.keys()].join(', ')}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
