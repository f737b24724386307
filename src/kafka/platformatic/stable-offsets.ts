/**
 * A group's committed offsets read with require_stable (OffsetFetch v7+, KIP-447): while a transaction
 * that carries offsets for a partition is still being completed, the coordinator answers
 * UNSTABLE_OFFSET_COMMIT for it instead of the offset before the transaction, and the read is repeated.
 * Consumer#listCommittedOffsets sends require_stable false (consumer.js), which can return an offset a
 * transaction that already committed has not yet replaced.
 */
import { setTimeout as delay } from 'node:timers/promises';
import type { Base, offsetFetchV9 } from '@platformatic/kafka';
import type { TopicPartition } from '../client.ts';
import { type GroupCoordinator, libraryApi } from './coordinator.ts';
import { hasProtocolError } from './errors.ts';

type OffsetFetchArgs = [groups: offsetFetchV9.OffsetFetchRequestGroup[], requireStable: boolean];
type OffsetFetchResponse = offsetFetchV9.OffsetFetchResponse;
/** Before v8 the response has no groups level (offset-fetch-v7.js). */
type LegacyResponse = { topics: offsetFetchV9.OffsetFetchResponseTopic[] };

/** How long a read waits for pending transactional offsets in all, and between attempts. */
const STABLE_WAIT_MS = 30_000;
const RETRY_MS = 50;

/** Committed offset per "topic:partition" (-1 where the group has none). */
export async function stableCommittedOffsets(
  client: Base,
  coordinator: GroupCoordinator,
  groupId: string,
  partitions: readonly TopicPartition[],
): Promise<Map<string, number>> {
  const byTopic = new Map<string, number[]>();
  for (const { topic, partition } of partitions) byTopic.set(topic, [...(byTopic.get(topic) ?? []), partition]);
  const topics = [...byTopic].map(([name, partitionIndexes]) => ({ name, partitionIndexes }));
  const api = await libraryApi<OffsetFetchArgs, OffsetFetchResponse | LegacyResponse>(client, 'OffsetFetch');
  if (api.version < 7) throw new Error(`OffsetFetch v${api.version} has no require_stable (KIP-447 needs v7 or later)`);
  const deadline = Date.now() + STABLE_WAIT_MS;
  for (;;) {
    try {
      const response = await coordinator.request((connection) => api.async(connection, [{ groupId, memberId: null, memberEpoch: -1, topics }], true));
      const found = 'groups' in response ? (response.groups[0]?.topics ?? []) : response.topics;
      const out = new Map<string, number>();
      for (const { name, partitions: list } of found) for (const p of list) out.set(`${name}:${p.partitionIndex}`, Number(p.committedOffset));
      return out;
    } catch (error) {
      if (!hasProtocolError(error, ['UNSTABLE_OFFSET_COMMIT']) || Date.now() > deadline) throw error;
      await delay(RETRY_MS);
    }
  }
}
