/**
 * GroupConsumer on @platformatic/kafka 2.12.1: the library's classic group membership, and fetching,
 * positions, pause and commits of the adapter's own, because MessagesStream pauses only as a whole
 * (platformatic/kafka#129). The parts, each in its file:
 * - membership.ts: JoinGroup/SyncGroup/heartbeats are the library's; revoked is awaited in the
 *   `protocolsMetadata` hook before each JoinGroup (bounded by sessionTimeout - heartbeatInterval,
 *   since the library sends no heartbeats while it waits), lost on session expiry or fencing. With
 *   groupProtocol 'cooperative' (the library's cooperative-sticky assignor, KIP-429) only the partitions
 *   that move are revoked, before the second JoinGroup of the rebalance; with 'classic', all of them.
 * - fleet.ts, fetcher.ts: one fetch loop per broker over Consumer#fetch, on a connection pool of its own.
 *   Pausing a partition leaves it out of the next request; records of a request in flight for it are
 *   dropped. Resume, like a settled batch, takes effect with the next request to its broker (at most
 *   maxWaitTimeMs away, since one request per broker is in flight).
 * - records.ts: wire records to ConsumedRecord; aborted transactions the library lets through dropped.
 * - positions.ts: committed offset, else earliest/latest; the same reset on OFFSET_OUT_OF_RANGE.
 * - commit.ts, coordinator.ts: OffsetCommit sent once per generation, checked right before it leaves.
 * - tls-errors.ts: a refused client certificate fails start() at once, naming the TLS alert.
 *
 * Static membership (kafka.groupInstanceId, KIP-345), verified against a Kafka 4.4 broker: the library
 * joins with the instance id; two things it does are worked around. Consumer#close sends LeaveGroup,
 * which would make every restart rebalance: a static member closes without leaving (#close). And it
 * treats FENCED_INSTANCE_ID as "rejoin", so two processes with one instance id would fence each other
 * every heartbeat: the fenced one stops with a fatal error instead (membership.ts).
 *
 * Not offered by this adapter (there is no setting for it), verified against a Kafka 4.4 broker:
 * - groupProtocol 'consumer' (KIP-848): Consumer#joinGroup answers '' and joins nothing; the member only
 *   exists inside consume(), its assignments change without a join event, and the member epoch that
 *   OffsetCommit and TxnOffsetCommit must carry is private (#memberEpoch).
 *
 * Left as the library does it: a member cut off from its coordinator for longer than its session learns
 * that its partitions are gone only when a heartbeat gets through again (UNKNOWN_MEMBER_ID: lost);
 * meanwhile it goes on fetching them, as the Java client does until its next poll. stop() calls no
 * handler: commit before it.
 */
import { ConnectionPool, Consumer, type GroupOptions } from '@platformatic/kafka';
import type { KafkaConfig } from '../../config/types.ts';
import { ScorerError } from '../../errors.ts';
import type { CommitOffset, CommitResult, ConsumerHandlers, FetchedBatch, GroupConsumer, GroupMetadata, KafkaLog, TopicPartition } from '../client.ts';
import { connectFailure } from '../connect-errors.ts';
import type { KafkaSecurity } from '../security.ts';
import { assignedKeys, Committer, checkOwnership, offsetTopics } from './commit.ts';
import { GroupCoordinator } from './coordinator.ts';
import { FetchFleet } from './fleet.ts';
import { logClientEvents, logHeartbeatEvents, logPoolEvents } from './log.ts';
import { Membership } from './membership.ts';
import { connectionOptions, consumerOptions, groupOptions } from './options.ts';
import { type OwnedPartition, Ownership } from './ownership.ts';
import { Positions } from './positions.ts';
import { TlsErrors } from './tls-errors.ts';

/** What a TxnOffsetCommit carries for this member (see transaction.ts). */
export interface TransactionalOffsets {
  readonly groupId: string;
  readonly generationId: number;
  readonly memberId: string;
  readonly groupInstanceId: string | null;
  readonly topics: ReturnType<typeof offsetTopics>;
}

function asError(error: unknown): Error {
  return error instanceof Error ? error : new Error(String(error));
}

/** Where a partition's next fetch starts once handlers.batch took `taken` records. */
function positionAfter(batch: FetchedBatch, taken: number, from: bigint, next: bigint): bigint {
  const n = Number.isFinite(taken) ? Math.min(Math.max(Math.trunc(taken), 0), batch.records.length) : 0;
  if (n === batch.records.length) return next;
  const first = batch.records[n];
  return n === 0 || first === undefined ? from : BigInt(first.offset);
}

export class PlatformaticConsumer implements GroupConsumer {
  /** The rejoin waits in the library's protocolsMetadata hook (membership.ts). */
  readonly awaitsRevocation = true;
  readonly #config: KafkaConfig;
  readonly #security: KafkaSecurity;
  readonly #log: KafkaLog;
  readonly #consumer: Consumer;
  readonly #pool: ConnectionPool;
  readonly #ownership = new Ownership();
  readonly #stop = new AbortController();
  readonly #groupOptions: GroupOptions;
  readonly #membership: Membership;
  readonly #positions: Positions;
  readonly #committer: Committer;
  readonly #tls = new TlsErrors();
  #fleet: FetchFleet | undefined;
  #handlers: ConsumerHandlers | undefined;
  #state: 'new' | 'started' | 'stopped' = 'new';

  constructor(config: KafkaConfig, security: KafkaSecurity, log: KafkaLog) {
    this.#config = config;
    this.#security = security;
    this.#log = log;
    const c = config.consumer;
    this.#groupOptions = groupOptions(config);
    this.#consumer = new Consumer(consumerOptions(config, security, () => this.#membership.beforeJoin()));
    this.#pool = new ConnectionPool(config.clientId, connectionOptions(config, security));
    this.#tls.watchClient(this.#consumer);
    this.#tls.watchPool(this.#pool);
    this.#membership = new Membership({
      consumer: this.#consumer,
      ownership: this.#ownership,
      config: c,
      groupOptions: this.#groupOptions,
      cooperative: config.groupProtocol === 'cooperative',
      signal: this.#stop.signal,
      log,
      handlers: () => this.#requireHandlers(),
      started: (partitions) => void this.#positions.start(partitions),
      failed: (error, action) => this.#failed(error, action),
      fatal: (error) => this.#fatal(error),
    });
    this.#positions = new Positions({
      consumer: this.#consumer,
      ownership: this.#ownership,
      fromBeginning: c.fromBeginning,
      signal: this.#stop.signal,
      located: () => this.#fleet?.wake(),
      failed: (error, action) => this.#failed(error, action),
    });
    this.#committer = new Committer(this.#consumer, this.#ownership, new GroupCoordinator(this.#consumer, config.groupId));
  }

  async start(topics: readonly string[], handlers: ConsumerHandlers): Promise<void> {
    if (this.#state !== 'new') throw new ScorerError('SCORER_ERR_INVARIANT', 'a Kafka consumer can be started once');
    this.#state = 'started';
    this.#handlers = handlers;
    const sorted = [...new Set(topics)].sort();
    this.#fleet = new FetchFleet({
      consumer: this.#consumer,
      pool: this.#pool,
      ownership: this.#ownership,
      config: this.#config.consumer,
      topics: sorted,
      signal: this.#stop.signal,
      log: this.#log,
      deliver: (owned, batch, from, next) => void this.#process(owned, batch, from, next),
      outOfRange: (partitions) => this.#outOfRange(partitions),
      failed: (error, action) => this.#failed(error, action),
    });
    this.#membership.wire();
    logClientEvents(this.#consumer, this.#log, 'consumer');
    logPoolEvents(this.#pool, this.#log, 'consumer fetch');
    logHeartbeatEvents(this.#consumer, this.#log);
    for (const topic of sorted) this.#consumer.topics.track(topic);
    try {
      const joined = this.#consumer.joinGroup({ ...this.#groupOptions });
      // A join abandoned on a refused certificate fails again when the consumer closes below.
      joined.catch(() => undefined);
      await Promise.race([joined, this.#tls.refused(joined)]);
    } catch (error) {
      this.#state = 'stopped';
      this.#stop.abort();
      await this.#close();
      throw connectFailure(`joining group "${this.#config.groupId}"`, this.#tls.explain(error), this.#config.brokers, this.#security);
    }
  }

  async #process(owned: OwnedPartition, batch: FetchedBatch, from: bigint, next: bigint): Promise<void> {
    let taken = 0;
    try {
      taken = await this.#requireHandlers().batch(batch);
    } catch (error) {
      this.#failed(error, 'handlers.batch');
    }
    owned.busy = false;
    if (this.#ownership.isCurrent(owned) && owned.position === from) owned.position = positionAfter(batch, taken, from, next);
    this.#fleet?.wake(owned.topic, owned.partition);
  }

  #outOfRange(partitions: OwnedPartition[]): void {
    const where = this.#config.consumer.fromBeginning ? 'earliest' : 'latest';
    const names = partitions.map((p) => `${p.topic}[${p.partition}]@${p.position}`);
    this.#log.warn({ partitions: names }, `kafka fetch offsets out of range; resetting to the ${where} offset`);
    void this.#positions.reset(partitions);
  }

  pause(partitions: readonly TopicPartition[]): void {
    for (const { topic, partition } of partitions) {
      const owned = this.#ownership.get(topic, partition);
      if (owned !== undefined) owned.paused = true;
    }
  }

  resume(partitions: readonly TopicPartition[]): void {
    for (const { topic, partition } of partitions) {
      const owned = this.#ownership.get(topic, partition);
      if (owned === undefined || !owned.paused) continue;
      owned.paused = false;
      this.#fleet?.wake(topic, partition);
    }
  }

  commit(offsets: readonly CommitOffset[]): Promise<CommitResult> {
    return this.#committer.commit(offsets);
  }

  groupMetadata(): GroupMetadata {
    const { groupId, generationId, memberId, groupInstanceId } = this.#consumer;
    return { groupId, generationId, memberId: memberId ?? '', groupInstanceId: groupInstanceId ?? undefined };
  }

  /**
   * For a TxnOffsetCommit about to be sent: every offset must still be owned by its epoch, since the
   * coordinator only checks the generation (KIP-447), not who owns what. Throws otherwise: the
   * transaction holds output for partitions this member gave up and must be aborted.
   */
  transactionalOffsets(offsets: readonly CommitOffset[]): TransactionalOffsets {
    const { groupId, generationId, memberId, groupInstanceId } = this.#consumer;
    const { send, refused } = checkOwnership(this.#ownership, generationId, offsets, assignedKeys(this.#consumer));
    if (refused.length > 0 || memberId === null) {
      const names = refused.map((o) => `${o.topic}[${o.partition}] epoch ${o.epoch}`).join(', ');
      throw new ScorerError('SCORER_ERR_KAFKA', `transactional offsets for partitions this member no longer owns: ${names}`, { details: { refused } });
    }
    return { groupId, generationId, memberId, groupInstanceId, topics: offsetTopics(send) };
  }

  /** The library client, for Transaction#addConsumer (AddOffsetsToTxn reads its groupId). */
  get library(): Consumer {
    return this.#consumer;
  }

  async stop(): Promise<void> {
    if (this.#state === 'stopped') return;
    const started = this.#state === 'started';
    this.#state = 'stopped';
    this.#stop.abort();
    this.#ownership.end(this.#ownership.all());
    if (started) await this.#fleet?.stop(this.#config.consumer.maxWaitTimeMs + 1000);
    await this.#close();
  }

  /**
   * Leaves the group (Consumer#close sends LeaveGroup) and closes both connection pools. A static member
   * does not leave: the group keeps its partitions for it until its session ends, so a restart within
   * the session takes them back without a rebalance (KIP-345). The library has no close-without-leaving;
   * it sends LeaveGroup only for a known member id (consumer.js #performLeaveGroup), and leaveGroup()
   * with none ends the membership (no more heartbeats) while sending nothing.
   */
  async #close(): Promise<void> {
    this.#membership.unwire();
    if (this.#config.groupInstanceId !== undefined && !this.#consumer.closed) {
      this.#consumer.memberId = null;
      await new Promise<void>((resolve) =>
        this.#consumer.leaveGroup(false, (error) => {
          if (error) this.#log.debug({ err: error }, 'kafka consumer: ending the static membership failed');
          resolve();
        }),
      );
    }
    await this.#consumer.close().catch((error: unknown) => this.#log.warn({ err: error }, 'kafka consumer close failed'));
    await this.#pool.close().catch((error: unknown) => this.#log.warn({ err: error }, 'kafka fetch connections close failed'));
  }

  #requireHandlers(): ConsumerHandlers {
    if (this.#handlers === undefined) throw new ScorerError('SCORER_ERR_INVARIANT', 'the Kafka consumer has no handlers before start()');
    return this.#handlers;
  }

  /** The consumer cannot go on: it stops fetching, and handlers.error hears it as fatal. */
  #fatal(error: Error): void {
    if (this.#stop.signal.aborted) return;
    this.#stop.abort();
    try {
      this.#handlers?.error(error, true);
    } catch (handlerError) {
      this.#log.error({ err: handlerError }, 'handlers.error threw');
    }
  }

  #failed(error: unknown, action: string): void {
    if (this.#stop.signal.aborted) return;
    // handlers.error is where the service logs it; here only for debugging.
    this.#log.debug({ err: error, action }, `kafka consumer: ${action} failed; retrying`);
    try {
      this.#handlers?.error(asError(error), false);
    } catch (handlerError) {
      this.#log.error({ err: handlerError }, 'handlers.error threw');
    }
  }
}
