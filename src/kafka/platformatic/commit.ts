/**
 * Commits guarded by ownership epochs, sent as one OffsetCommit straight to the coordinator
 * (coordinator.ts says why not Consumer#commit: it rejoins and re-sends under a new generation).
 *
 * The check runs synchronously right before the request leaves, on every attempt: an offset is sent
 * only if its epoch still owns the partition and that ownership began in the generation the request
 * carries. A rebalance that completes while the request is on the wire makes the coordinator answer
 * ILLEGAL_GENERATION or REBALANCE_IN_PROGRESS, and that rejects the call: it is never sent again.
 * committedLeaderEpoch is -1 (unknown): the interface does not carry the record's leader epoch.
 */
import type { Connection, Consumer, offsetCommitV9 } from '@platformatic/kafka';
import { ScorerError } from '../../errors.ts';
import { type CommitOffset, type CommitResult, partitionKey } from '../client.ts';
import type { GroupCoordinator } from './coordinator.ts';
import { libraryApi } from './coordinator.ts';
import { GENERATION_OVER, hasProtocolError, protocolIds } from './errors.ts';
import type { Ownership } from './ownership.ts';

type OffsetCommitRequestTopic = offsetCommitV9.OffsetCommitRequestTopic;
type OffsetCommitResponse = offsetCommitV9.OffsetCommitResponse;
type OffsetCommitArgs = [groupId: string, generation: number, memberId: string, groupInstanceId: string | null, topics: OffsetCommitRequestTopic[]];

/**
 * Splits offsets into those this member may commit now and those it must refuse. An offset goes when
 * its epoch still owns the partition and that ownership is held in the request's generation: it began
 * in it, or the library's current assignment (the last SyncGroup's, of that generation) still holds the
 * partition. The second case is a partition kept across a cooperative rebalance whose move to the new
 * generation this member has not recorded yet; refusing it would stall its commits until the next join
 * event (seen in CI: the kept partitions of the last member stayed uncommitted to the end, while the
 * partitions it gained in the same rebalance committed).
 */
export function checkOwnership(
  ownership: Ownership,
  generationId: number,
  offsets: readonly CommitOffset[],
  assigned: ReadonlySet<string> = new Set(),
): { send: CommitOffset[]; refused: CommitOffset[] } {
  const send: CommitOffset[] = [];
  const refused: CommitOffset[] = [];
  for (const o of offsets) {
    const owned = ownership.get(o.topic, o.partition);
    if (owned !== undefined && owned.epoch === o.epoch && (owned.generationId === generationId || assigned.has(owned.key))) send.push(o);
    else refused.push(o);
  }
  return { send, refused };
}

/** The partitions the library's current assignment gives this member, by partition key. */
export function assignedKeys(consumer: Pick<Consumer, 'assignments'>): Set<string> {
  const keys = new Set<string>();
  for (const { topic, partitions } of consumer.assignments ?? []) for (const partition of partitions) keys.add(partitionKey(topic, partition));
  return keys;
}

export function offsetTopics(offsets: readonly CommitOffset[]): OffsetCommitRequestTopic[] {
  const topics = new Map<string, OffsetCommitRequestTopic>();
  for (const { topic, partition, offset } of offsets) {
    let entry = topics.get(topic);
    if (entry === undefined) {
      entry = { name: topic, partitions: [] };
      topics.set(topic, entry);
    }
    entry.partitions.push({ partitionIndex: partition, committedOffset: BigInt(offset), committedLeaderEpoch: -1, committedMetadata: null });
  }
  return [...topics.values()];
}

export class Committer {
  readonly #consumer: Consumer;
  readonly #ownership: Ownership;
  readonly #coordinator: GroupCoordinator;

  constructor(consumer: Consumer, ownership: Ownership, coordinator: GroupCoordinator) {
    this.#consumer = consumer;
    this.#ownership = ownership;
    this.#coordinator = coordinator;
  }

  async commit(offsets: readonly CommitOffset[]): Promise<CommitResult> {
    if (offsets.length === 0) return { refused: [] };
    let refused: CommitOffset[] = [...offsets];
    try {
      const api = await libraryApi<OffsetCommitArgs, OffsetCommitResponse>(this.#consumer, 'OffsetCommit');
      await this.#coordinator.request(async (connection: Connection) => {
        const generationId = this.#consumer.generationId;
        const checked = checkOwnership(this.#ownership, generationId, offsets, assignedKeys(this.#consumer));
        refused = checked.refused;
        if (checked.send.length === 0) return;
        const { groupId, memberId, groupInstanceId } = this.#consumer;
        await api.async(connection, groupId, generationId, memberId ?? '', groupInstanceId, offsetTopics(checked.send));
      });
    } catch (error) {
      const over = hasProtocolError(error, GENERATION_OVER);
      const ids = [...protocolIds(error)].join(', ');
      const reason = ids || (error instanceof Error ? error.message : String(error));
      throw new ScorerError('SCORER_ERR_KAFKA', `offset commit for group "${this.#consumer.groupId}" failed: ${reason}`, {
        cause: error,
        retryable: !over,
        details: { groupId: this.#consumer.groupId, generationOver: over },
      });
    }
    return { refused };
  }
}
