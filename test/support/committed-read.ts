/**
 * Reads a topic's partitions from the beginning to given end offsets as a read_committed consumer sees
 * them, judged from the log itself rather than by a client's filter: Fetch (read_uncommitted) returns
 * every batch, transaction markers included, and a transactional record is kept once its producer's
 * next marker in the partition is a COMMIT, dropped at an ABORT, and left out while no marker follows
 * (still open). It first waits until the partition's last stable offset reaches the end: the
 * coordinator writes a transaction's markers after EndTxn has answered, so a transaction the scorer saw
 * committed can still be without its marker for a moment, while a read_committed consumer waits for it.
 *
 * Why not a client's read_committed: kafkajs 2.2.4 (consumer/filterAbortedMessages.js) takes the fetch
 * response's aborted transactions in the order listed and starts at most one per record; the broker
 * may list an aborted transaction that began later first (seen: two producers' aborted transactions
 * overlapping in a DLQ partition, the one starting at 983 listed before the one starting at 973), and
 * then the other's records pass as committed: duplicates that no read_committed Java consumer sees.
 * @platformatic/kafka 2.12.1 (consumer.js #filterUncommittedMessages) keeps one aborted range per
 * producer per fetch and shows a range whose marker has not arrived in the same fetch.
 *
 * The test brokers are single nodes, so every partition's leader is in the metadata of one broker.
 */

import { setTimeout as delay } from 'node:timers/promises';
import type { fetchV17 } from '@platformatic/kafka';
import { Admin, type Connection, kGetConnection, type RecordsBatch } from '@platformatic/kafka';
import { libraryApi, promised } from '../../src/kafka/platformatic/coordinator.ts';
import type { Collected } from './kafka.ts';

type FetchArgs = fetchV17.FetchRequest;
type FetchResponse = fetchV17.FetchResponse;

const IS_TRANSACTIONAL = 1 << 4;
const IS_CONTROL = 1 << 5;
/** A control record's key is a version and a type: 0 abort, 1 commit. */
const COMMIT = 1;
const READ_UNCOMMITTED = 0;
const READ_COMMITTED = 1;
const MAX_BYTES = 4 * 1024 * 1024;

function headersOf(record: RecordsBatch['records'][number]): Record<string, Buffer> {
  const headers: Record<string, Buffer> = {};
  for (const [key, value] of record.headers) if (key !== null && value !== null) headers[key.toString()] = value;
  return headers;
}

/** What read_committed shows of one partition, in offset order. */
class PartitionView {
  readonly visible: Collected[] = [];
  readonly #pending = new Map<bigint, Collected[]>();
  readonly #topic: string;

  constructor(topic: string) {
    this.#topic = topic;
  }

  add(partition: number, batch: RecordsBatch): void {
    const transactional = (batch.attributes & IS_TRANSACTIONAL) !== 0;
    if ((batch.attributes & IS_CONTROL) !== 0) {
      const kept = this.#pending.get(batch.producerId) ?? [];
      this.#pending.delete(batch.producerId);
      if (batch.records[0]?.key?.readInt16BE(2) === COMMIT) this.visible.push(...kept);
      return;
    }
    for (const record of batch.records) {
      const c = {
        topic: this.#topic,
        partition,
        offset: Number(batch.firstOffset) + record.offsetDelta,
        key: record.key,
        value: record.value,
        headers: headersOf(record),
      };
      if (!transactional) this.visible.push(c);
      else this.#pending.set(batch.producerId, [...(this.#pending.get(batch.producerId) ?? []), c]);
    }
  }
}

export async function readCommitted(topic: string, ends: ReadonlyMap<number, number>, brokers: readonly string[], timeoutMs: number): Promise<Collected[]> {
  const client = new Admin({ clientId: 'stream-scorer-test-committed-read', bootstrapBrokers: [...brokers] });
  try {
    const api = await libraryApi<FetchArgs, FetchResponse>(client, 'Fetch');
    if (api.version < 13) throw new Error(`Fetch v${api.version}: this reader names topics by id (v13 or later)`);
    const metadata = await client.metadata({ topics: [topic] });
    const topicMetadata = metadata.topics.get(topic);
    if (topicMetadata === undefined) throw new Error(`${topic}: not in the metadata`);
    const deadline = Date.now() + timeoutMs;
    const out: Collected[] = [];
    for (const [partition, end] of ends) {
      const leader = metadata.brokers.get(topicMetadata.partitions[partition]?.leader ?? -1);
      if (leader === undefined) throw new Error(`${topic}[${partition}]: no leader in the metadata`);
      const connection = await promised<Connection>((callback) => client[kGetConnection](leader, callback));
      const fetch = (fetchOffset: bigint, isolation: number) => {
        const request = { partition, currentLeaderEpoch: -1, fetchOffset, lastFetchedEpoch: -1, partitionMaxBytes: MAX_BYTES };
        return api.async(connection, 100, 1, MAX_BYTES, isolation, 0, -1, [{ topicId: topicMetadata.id, partitions: [request] }], [], '');
      };
      for (;;) {
        const stable = (await fetch(BigInt(end), READ_COMMITTED)).responses[0]?.partitions[0]?.lastStableOffset ?? -1n;
        if (stable >= BigInt(end)) break;
        if (Date.now() > deadline) throw new Error(`${topic}[${partition}]: a transaction is still open (last stable offset ${stable}, end ${end})`);
        await delay(100);
      }
      const view = new PartitionView(topic);
      let offset = 0n;
      while (offset < BigInt(end)) {
        if (Date.now() > deadline) throw new Error(`${topic}[${partition}]: read to ${offset} of ${end} in ${timeoutMs} ms`);
        const response = await fetch(offset, READ_UNCOMMITTED);
        const answer = response.responses[0]?.partitions[0];
        if (answer === undefined || answer.errorCode !== 0) throw new Error(`${topic}[${partition}]: fetch failed (error code ${answer?.errorCode})`);
        for (const batch of answer.records ?? []) {
          view.add(partition, batch);
          offset = batch.firstOffset + BigInt(batch.lastOffsetDelta) + 1n;
        }
      }
      out.push(...view.visible.filter((c) => c.offset < end));
    }
    return out;
  } finally {
    await client.close();
  }
}
