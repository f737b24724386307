/**
 * The fetch loops: one per broker, each fetching the owned partitions that broker leads, with the
 * library's public Consumer#fetch (consumer.js #fetch: it keeps the KIP-227 fetch session per node, so
 * partitions left out of a request are forgotten by the session, it retries retriable errors, and under
 * read_committed it drops aborted transactions whose marker is in the same response; records.ts drops
 * the rest). MessagesStream is not used: it can only pause the whole stream (platformatic/kafka#129).
 *
 * Per-partition pause is what the selection does: each request lists only partitions that are owned,
 * active, unpaused, not with the handler and not in another request. A paused partition is simply absent
 * (no request for it at all, so no refetch loop), and a loop with nothing to fetch awaits its Signal.
 * A response is checked partition by partition against the state at request time: records of a
 * partition paused, revoked or moved while the request was on the wire are dropped and its position
 * stays where it was.
 *
 * Leader epochs: currentLeaderEpoch is the metadata's, so a stale leader answers FENCED_LEADER_EPOCH and
 * the library refreshes metadata and retries (consumer.js #fetch). lastFetchedEpoch is -1: divergence
 * (KIP-320 truncation) detection needs OffsetsForLeaderEpoch handling the library does not have, and a
 * consumer reads only below the high watermark, which acks=all with clean elections never truncates.
 */
import type { ClusterMetadata, ConnectionPool, Consumer, fetchV17 } from '@platformatic/kafka';
import { FetchIsolationLevels } from '@platformatic/kafka';
import type { KafkaConfig } from '../../config/types.ts';
import type { FetchedBatch, KafkaLog } from '../client.ts';
import { isClosedError, protocolIds, responseOf, STALE_LEADER } from './errors.ts';
import type { OwnedPartition, Ownership } from './ownership.ts';
import { fetchedRecords } from './records.ts';
import { backoffMs, Signal, sleep } from './signal.ts';

/**
 * How long the broker may first hold a request while a partition of the same broker is with the
 * handler. One request is in flight per broker (the fetch session's epochs are sequential), so a
 * partition that settles waits for the request on the wire; a long poll over idle siblings would add up
 * to maxWaitTimeMs to every batch of a busy partition (measured: a 5 ms handler on one of six partitions
 * took 108 ms a batch, 15 ms with this). The wait doubles with each empty request while the partition
 * stays busy, up to 25 ms: a slow handler then costs 40 small requests a second (about 2 % of a core
 * here) and at most 25 ms after it settles. While none is busy, idle partitions long-poll as configured.
 */
const BUSY_SIBLING_WAIT_MS = 5;
const BUSY_SIBLING_WAIT_MAX_MS = 25;

type FetchRequestTopic = fetchV17.FetchRequestTopic;
type FetchResponse = fetchV17.FetchResponse;

export interface FetchContext {
  readonly consumer: Consumer;
  /** Fetches get a pool of their own, so they never queue behind a JoinGroup on the group connection. */
  readonly pool: ConnectionPool;
  readonly ownership: Ownership;
  readonly config: KafkaConfig['consumer'];
  /** Sorted: the library sorts the list it is given in place (base.js #performMetadata). */
  readonly topics: string[];
  readonly signal: AbortSignal;
  readonly log: KafkaLog;
  /** Hands a batch to handlers.batch; `owned.busy` is already set. */
  deliver(owned: OwnedPartition, batch: FetchedBatch, from: bigint, next: bigint): void;
  outOfRange(partitions: OwnedPartition[]): void;
  failed(error: unknown, action: string): void;
}

interface Requested {
  readonly owned: OwnedPartition;
  readonly offset: bigint;
}

/** Responses name topics by id (Fetch v13+, and the library maps names to ids below that). */
function requestKey(topicId: string, partition: number): string {
  return `${topicId}\u0000${partition}`;
}

export class BrokerFetcher {
  readonly node: number;
  readonly done: Promise<void>;
  readonly #ctx: FetchContext;
  readonly #route: (metadata: ClusterMetadata) => void;
  readonly #wake = new Signal();
  #failures = 0;
  #siblingWait = BUSY_SIBLING_WAIT_MS;

  constructor(node: number, context: FetchContext, route: (metadata: ClusterMetadata) => void) {
    this.node = node;
    this.#ctx = context;
    this.#route = route;
    this.done = this.#run();
  }

  notify(): void {
    this.#wake.notify();
  }

  async #run(): Promise<void> {
    // A closed consumer answers every call with "Client is closed." at once: never loop on that.
    while (!this.#ctx.signal.aborted && !this.#ctx.consumer.closed) {
      try {
        await this.#step();
      } catch (error) {
        await this.#failedStep(error, 'fetching');
      }
    }
  }

  async #step(): Promise<void> {
    const metadata = await this.#ctx.consumer.metadata({ topics: this.#ctx.topics });
    this.#route(metadata);
    const { request, busy } = this.#select(metadata);
    if (request.size === 0) {
      await this.#wake.wait();
      return;
    }
    for (const { owned } of request.values()) owned.inFlight = true;
    let response: FetchResponse | undefined;
    let failure: unknown;
    try {
      response = await this.#ctx.consumer.fetch({
        node: this.node,
        topics: requestTopics(request, metadata, this.#ctx.config.maxBytesPerPartition),
        minBytes: 1,
        maxBytes: this.#ctx.config.maxBytes,
        maxWaitTime: busy ? Math.min(this.#siblingWait, this.#ctx.config.maxWaitTimeMs) : this.#ctx.config.maxWaitTimeMs,
        isolationLevel: FetchIsolationLevels.READ_COMMITTED,
        connectionPool: this.#ctx.pool,
      });
    } catch (error) {
      failure = error;
    }
    for (const { owned } of request.values()) owned.inFlight = false;
    if (response !== undefined) {
      this.#failures = 0;
      const delivered = this.#accept(request, response);
      this.#siblingWait = busy && delivered === 0 ? Math.min(this.#siblingWait * 2, BUSY_SIBLING_WAIT_MAX_MS) : BUSY_SIBLING_WAIT_MS;
    } else await this.#rejected(request, failure);
  }

  /** The partitions of the next request, and whether one of this broker's is with the handler. */
  #select(metadata: ClusterMetadata): { request: Map<string, Requested>; busy: boolean } {
    const request = new Map<string, Requested>();
    let busy = false;
    for (const owned of this.#ctx.ownership.all()) {
      const topic = metadata.topics.get(owned.topic);
      if (topic?.partitions[owned.partition]?.leader !== this.node) continue;
      if (owned.busy && owned.active && !owned.paused) busy = true;
      if (owned.fetchable) request.set(requestKey(topic.id, owned.partition), { owned, offset: owned.position as bigint });
    }
    return { request, busy };
  }

  /** Delivers what the response holds for each requested partition still in the state it was asked in; returns how many batches. */
  #accept(request: Map<string, Requested>, response: FetchResponse): number {
    let delivered = 0;
    if (this.#ctx.signal.aborted) return delivered;
    for (const topicResponse of response.responses) {
      for (const part of topicResponse.partitions) {
        const entry = request.get(requestKey(topicResponse.topicId, part.partitionIndex));
        // Absent: a partition lingering in the fetch session that this request did not ask for.
        if (entry === undefined || part.records == null || part.records.length === 0) continue;
        const { owned, offset } = entry;
        if (!this.#ctx.ownership.isCurrent(owned) || !owned.active || owned.paused || owned.busy || owned.position !== offset) continue;
        const { records, next } = fetchedRecords(part.records, offset, part.abortedTransactions);
        if (records.length === 0) {
          // Only control, aborted or already-read records: step over them, deliver nothing.
          if (next > offset) owned.position = next;
          continue;
        }
        owned.busy = true;
        const batch = { topic: owned.topic, partition: owned.partition, highWatermark: Number(part.highWatermark), epoch: owned.epoch, records };
        this.#ctx.deliver(owned, batch, offset, next);
        delivered++;
      }
    }
    return delivered;
  }

  async #rejected(request: Map<string, Requested>, error: unknown): Promise<void> {
    if (this.#ctx.signal.aborted || isClosedError(error)) return;
    const ids = protocolIds(error);
    if (ids.has('OFFSET_OUT_OF_RANGE')) this.#outOfRange(request, error);
    if (ids.size > 0 && [...ids].every((id) => id === 'OFFSET_OUT_OF_RANGE')) return;
    if (STALE_LEADER.some((id) => ids.has(id))) {
      // Leadership moved: routine (a broker restart or a reassignment), so information, not an error.
      this.#ctx.consumer.clearMetadata();
      this.#ctx.log.info({ node: this.node, errors: [...ids] }, 'kafka fetch: partition leadership moved, refreshing metadata');
      await sleep(backoffMs(this.#failures++), this.#ctx.signal);
      return;
    }
    await this.#failedStep(error, `fetching from broker ${this.node}`);
  }

  #outOfRange(request: Map<string, Requested>, error: unknown): void {
    const response = responseOf<FetchResponse>(error);
    const reset: OwnedPartition[] = [];
    for (const topicResponse of response?.responses ?? []) {
      for (const part of topicResponse.partitions) {
        if (part.errorCode !== 1) continue;
        const entry = request.get(requestKey(topicResponse.topicId, part.partitionIndex));
        if (entry && this.#ctx.ownership.isCurrent(entry.owned) && entry.owned.position === entry.offset) reset.push(entry.owned);
      }
    }
    if (reset.length > 0) this.#ctx.outOfRange(reset);
  }

  async #failedStep(error: unknown, action: string): Promise<void> {
    if (this.#ctx.signal.aborted || isClosedError(error)) return;
    this.#ctx.consumer.clearMetadata();
    this.#ctx.failed(error, action);
    await sleep(backoffMs(this.#failures++), this.#ctx.signal);
  }
}

function requestTopics(request: Map<string, Requested>, metadata: ClusterMetadata, partitionMaxBytes: number): FetchRequestTopic[] {
  const topics = new Map<string, FetchRequestTopic>();
  for (const { owned, offset } of request.values()) {
    const topic = metadata.topics.get(owned.topic);
    if (topic === undefined) continue;
    let entry = topics.get(topic.id);
    if (entry === undefined) {
      entry = { topicId: topic.id, partitions: [] };
      topics.set(topic.id, entry);
    }
    entry.partitions.push({
      partition: owned.partition,
      fetchOffset: offset,
      partitionMaxBytes,
      currentLeaderEpoch: topic.partitions[owned.partition]?.leaderEpoch ?? -1,
      lastFetchedEpoch: -1,
    });
  }
  return [...topics.values()];
}
