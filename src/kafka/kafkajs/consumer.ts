/**
 * GroupConsumer on kafkajs 2.2.4: eachBatch in, explicit commits out, pause and resume per partition.
 *
 * What kafkajs does not give, and how this adapter copes (../shared/notes/libraries.md §1):
 * - No revoke callback and an eager protocol only: a rebalance shows up as REBALANCING, every
 *   partition is given up at once, and GROUP_JOIN carries the new assignment. `revoked` is reported
 *   then, while the partitions still count as owned, so a commit it issues at once is sent (the
 *   coordinator accepts the current generation's commits while it prepares the rebalance,
 *   tulios/kafkajs#751); kafkajs does not wait for the promise, so later work cannot commit.
 * - A session that expired shows no REBALANCING: kafkajs learns UNKNOWN_MEMBER_ID from a heartbeat and
 *   joins again. Partitions still held when that GROUP_JOIN arrives are therefore lost, not revoked.
 * - No generation in its events: ownership epochs are kept here, and a commit for an epoch that no
 *   longer owns its partition is refused before it is sent (tulios/kafkajs#916).
 * - Paused partitions stay paused across rebalances (subscriptionState), so each new assignment is
 *   resumed: the interface promises that a new assignment starts unpaused.
 * - The fetch position follows resolved offsets, so resolving only what was taken makes kafkajs fetch
 *   the rest again; resolving the last message also moves past trailing control records (runner.js).
 * - Heartbeats are not sent while eachBatch runs, so they are sent from here while a batch is taken.
 * - A rejoin that fails with a retriable error (COORDINATOR_LOAD_IN_PROGRESS, right after a broker
 *   restart) is not retried: kafkajs goes back to fetching its old assignment, with no GROUP_JOIN, and
 *   the partitions revoked at REBALANCING would never come back. So a batch delivered between
 *   REBALANCING and GROUP_JOIN throws a rebalance error, which makes kafkajs rejoin (runner.js); every
 *   partition is resumed at REBALANCING so that such a batch comes.
 * - Not finding the group coordinator (a broker restart longer than the retries of that lookup) is a
 *   crash kafkajs does not restart from (KafkaJSGroupCoordinatorNotFound is not retriable): the consumer
 *   would stop for good. The adapter runs it again instead, with backoff, as kafkajs does after the
 *   crashes it restarts from.
 * - Either restart joins as a new member, and the old member id, whose LeaveGroup failed while the
 *   broker was away, would hold up the group for a session: it leaves first (stale-member.ts).
 * - commitOffsets resolves without sending while the runner is stopped, as it is from a crash until
 *   CRASH is heard: a commit kafkajs does not confirm fails instead (commit-confirmations.ts).
 */
import kafkajs, { type Consumer, type EachBatchPayload, type Kafka } from 'kafkajs';
import type { KafkaConfig } from '../../config/types.ts';
import { backoffDelay } from '../../core/backoff.ts';
import type { Assignment, CommitOffset, CommitResult, ConsumerHandlers, GroupConsumer, GroupMetadata, TopicPartition } from '../client.ts';
import { partitionKey } from '../client.ts';
import { connectFailure } from '../connect-errors.ts';
import type { KafkaSecurity } from '../security.ts';
import { CommitConfirmations } from './commit-confirmations.ts';
import { consumedRecord } from './records.ts';
import { leaveStaleMember } from './stale-member.ts';

const RERUN_BACKOFF = { initialMs: 500, maxMs: 5000 };
const FETCH_LOOP_RETRIES = 5;
/**
 * How long a crashed member's old id keeps asking to leave. Not the session: a broker that restarts
 * gives every member it loads a fresh session, so an old id outlives a restart longer than its session.
 */
const STALE_LEAVE_MS = 10 * 60_000;

/** Whether the crash came from not finding the group coordinator (a broker restarting), however wrapped. */
function coordinatorNotFound(error: unknown): boolean {
  for (let e = error; e instanceof Error; e = e.cause) if (e.name === 'KafkaJSGroupCoordinatorNotFound') return true;
  return false;
}

/**
 * What kafkajs's runner takes for a rebalance (isRebalancing reads the type), quietly (a KafkaJSError is
 * not logged). kafkajs's errors are no named exports Node's ESM loader can see: they come with the module.
 */
const REJOIN = Object.assign(new kafkajs.KafkaJSError('the last rejoin failed; joining again', { retriable: true }), { type: 'REBALANCE_IN_PROGRESS' });

export class KafkajsConsumer implements GroupConsumer {
  /** kafkajs rejoins at once (see the header). */
  readonly awaitsRevocation = false;
  readonly #consumer: Consumer;
  /** The client with the usual retries, so that unreachable brokers fail start() in seconds. */
  readonly #probe: Kafka;
  readonly #config: KafkaConfig;
  readonly #security: KafkaSecurity;
  readonly #owned = new Map<string, Assignment>();
  readonly #confirmations = new CommitConfirmations();
  #handlers: ConsumerHandlers | undefined;
  #nextEpoch = 1;
  #memberId = '';
  /** Between REBALANCING and the GROUP_JOIN that ends it (see the header). */
  #rejoining = false;
  #topics: string[] = [];
  #stopped = false;

  /** `kafka` for the start-up probe; `consumerKafka`, whose retries ride out a broker restart, for the consumer (see client.ts). */
  constructor(kafka: Kafka, consumerKafka: Kafka, config: KafkaConfig, security: KafkaSecurity) {
    this.#probe = kafka;
    this.#config = config;
    this.#security = security;
    const c = config.consumer;
    this.#consumer = consumerKafka.consumer({
      // Five: kafkajs's own default for its fetch loop, which a retry option would otherwise replace.
      retry: { retries: FETCH_LOOP_RETRIES, restartOnFailure: () => this.#leaveBeforeRestart() },
      groupId: config.groupId,
      sessionTimeout: c.sessionTimeoutMs,
      rebalanceTimeout: c.rebalanceTimeoutMs,
      heartbeatInterval: c.heartbeatIntervalMs,
      maxBytesPerPartition: c.maxBytesPerPartition,
      maxBytes: c.maxBytes,
      maxWaitTimeInMs: c.maxWaitTimeMs,
      allowAutoTopicCreation: false,
    });
  }

  async start(topics: readonly string[], handlers: ConsumerHandlers): Promise<void> {
    this.#handlers = handlers;
    this.#topics = [...topics];
    this.#wireEvents(handlers);
    try {
      const probe = this.#probe.admin();
      await probe.connect();
      await probe.disconnect();
      await this.#run();
    } catch (error) {
      throw connectFailure(`joining group "${this.#config.groupId}"`, error, this.#config.brokers, this.#security);
    }
  }

  async #run(): Promise<void> {
    await this.#consumer.connect();
    await this.#consumer.subscribe({ topics: this.#topics, fromBeginning: this.#config.consumer.fromBeginning });
    await this.#consumer.run({
      autoCommit: false,
      eachBatchAutoResolve: false,
      partitionsConsumedConcurrently: 1,
      eachBatch: (payload) => this.#eachBatch(payload),
    });
  }

  /** Runs the consumer again after a crash kafkajs does not restart from (see the header), until it runs or stop(). */
  async #runAgain(handlers: ConsumerHandlers): Promise<void> {
    // kafkajs asks restartOnFailure only before restarts of its own; this is one too.
    await this.#leaveBeforeRestart();
    for (let attempt = 1; !this.#stopped; attempt++) {
      await new Promise((resolve) => setTimeout(resolve, backoffDelay(RERUN_BACKOFF, attempt)));
      if (this.#stopped) return;
      try {
        await this.#run();
        return;
      } catch (error) {
        handlers.error(error instanceof Error ? error : new Error(String(error)), false);
      }
    }
  }

  /**
   * Before kafkajs restarts a crashed consumer as a new member, the old member leaves for good, so the
   * group does not wait out its session (see stale-member.ts). Restarts either way: true is kafkajs's
   * restartOnFailure answer.
   */
  async #leaveBeforeRestart(): Promise<boolean> {
    const memberId = this.#memberId;
    if (memberId !== '') {
      const { groupId } = this.#config;
      await leaveStaleMember(this.#probe, { groupId, memberId, giveUpAfterMs: STALE_LEAVE_MS, stopped: () => this.#stopped });
      this.#memberId = '';
    }
    return true;
  }

  #wireEvents(handlers: ConsumerHandlers): void {
    const { REBALANCING, GROUP_JOIN, CRASH, COMMIT_OFFSETS } = this.#consumer.events;
    this.#consumer.on(COMMIT_OFFSETS, (event) => this.#confirmations.record(event.payload));
    this.#consumer.on(REBALANCING, () => {
      this.#rejoining = true;
      this.#giveUp((parts) => handlers.revoked(parts));
      // A partition paused by backpressure stays paused, and nothing resumes a partition given up. Were
      // they all paused when the rejoin fails (see the header), kafkajs would fetch nothing, so no batch
      // would throw the rejoin error and no heartbeat would go out: the member would idle for good.
      this.#consumer.resume(this.#consumer.paused());
    });
    this.#consumer.on(GROUP_JOIN, (event) => {
      this.#rejoining = false;
      // An orderly rebalance gave everything up at REBALANCING; anything still held was lost.
      this.#giveUp((parts) => handlers.lost(parts));
      this.#memberId = event.payload.memberId;
      const assignment: Assignment[] = [];
      for (const [topic, partitions] of Object.entries(event.payload.memberAssignment)) {
        for (const partition of partitions) assignment.push({ topic, partition, epoch: this.#nextEpoch++ });
      }
      for (const a of assignment) this.#owned.set(partitionKey(a.topic, a.partition), a);
      this.resume(assignment);
      handlers.assigned(assignment);
    });
    this.#consumer.on(CRASH, (event) => {
      // kafkajs restarts by disconnecting and joining again: nothing held before can be committed.
      this.#giveUp((parts) => handlers.lost(parts));
      const { error, restart } = event.payload;
      const again = !restart && !this.#stopped && coordinatorNotFound(error);
      handlers.error(error, !restart && !again);
      if (again) void this.#runAgain(handlers);
    });
  }

  /** Reports first, so what the handler commits at once still passes the ownership check. */
  #giveUp(report: (parts: Assignment[]) => unknown): void {
    if (this.#owned.size === 0) return;
    const parts = [...this.#owned.values()];
    // kafkajs will not wait for a revocation, so a returned promise is not awaited here.
    void Promise.resolve(report(parts)).catch(() => undefined);
    this.#owned.clear();
  }

  async #eachBatch({ batch, resolveOffset, heartbeat }: EachBatchPayload): Promise<void> {
    const owned = this.#owned.get(partitionKey(batch.topic, batch.partition));
    if (owned === undefined && this.#rejoining) throw REJOIN;
    const handlers = this.#handlers;
    if (owned === undefined || handlers === undefined || batch.messages.length === 0) return;
    const records = batch.messages.map(consumedRecord);
    const beat = setInterval(() => void heartbeat().catch(() => undefined), this.#config.consumer.heartbeatIntervalMs);
    let taken: number;
    try {
      taken = await handlers.batch({ topic: batch.topic, partition: batch.partition, highWatermark: Number(batch.highWatermark), epoch: owned.epoch, records });
    } finally {
      clearInterval(beat);
    }
    const last = batch.messages[Math.min(taken, records.length) - 1];
    if (last !== undefined) resolveOffset(last.offset);
  }

  pause(partitions: readonly TopicPartition[]): void {
    if (partitions.length > 0) this.#consumer.pause(byTopic(partitions));
  }

  resume(partitions: readonly TopicPartition[]): void {
    if (partitions.length > 0) this.#consumer.resume(byTopic(partitions));
  }

  async commit(offsets: readonly CommitOffset[]): Promise<CommitResult> {
    const refused = this.notOwned(offsets);
    const sent = offsets.filter((o) => !refused.includes(o)).map((o) => ({ topic: o.topic, partition: o.partition, offset: String(o.offset) }));
    if (sent.length > 0) {
      await this.#consumer.commitOffsets(sent);
      const dropped = this.#confirmations.unconfirmed(sent);
      if (dropped.length > 0) {
        throw new Error(
          `kafkajs did not send the commit of ${dropped.length} of ${sent.length} partitions: its consumer is not running (crashed or restarting)`,
        );
      }
    }
    return { refused };
  }

  /** The offsets whose epoch no longer owns their partition. */
  notOwned(offsets: readonly CommitOffset[]): CommitOffset[] {
    return offsets.filter((o) => this.#owned.get(partitionKey(o.topic, o.partition))?.epoch !== o.epoch);
  }

  groupMetadata(): GroupMetadata {
    // kafkajs keeps the generation to itself, and its TxnOffsetCommit sends none (no KIP-447).
    return { groupId: this.#config.groupId, generationId: -1, memberId: this.#memberId, groupInstanceId: undefined };
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    this.#owned.clear();
    await this.#consumer.disconnect();
  }
}

function byTopic(partitions: readonly TopicPartition[]): { topic: string; partitions: number[] }[] {
  const topics = new Map<string, number[]>();
  for (const { topic, partition } of partitions) {
    const list = topics.get(topic);
    if (list) list.push(partition);
    else topics.set(topic, [partition]);
  }
  return [...topics].map(([topic, list]) => ({ topic, partitions: list }));
}
