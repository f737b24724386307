/**
 * Group membership on the library's classic protocol (Consumer#joinGroup: JoinGroup, SyncGroup,
 * heartbeats, rejoins) mapped to assigned / revoked / lost, one epoch per continuous ownership.
 *
 * The library has no revoke callback, but it has a moment before every JoinGroup: `protocolsMetadata`,
 * called and awaited at the start of each join attempt (consumer.js #createJoinGroupProtocols, also on
 * the rejoin a heartbeat starts), after heartbeats were cancelled and before the request is sent. The
 * eager protocol gives everything up on a rebalance, so that is where ownership ends:
 * - REBALANCE_IN_PROGRESS (the library emits 'consumer:group:rebalance' just before, #getRejoinError):
 *   an orderly revocation. Fetching stops at once; `revoked` is awaited, while commits under the old
 *   generation still pass (the coordinator accepts them until the group completes the join), bounded by
 *   sessionTimeout - heartbeatInterval: no heartbeats are sent meanwhile, and measured on Kafka 4.4 a
 *   member that waits out its session is removed (UNKNOWN_MEMBER_ID on its next request).
 * - Any other reason to rejoin (UNKNOWN_MEMBER_ID, ILLEGAL_GENERATION, FENCED_INSTANCE_ID: the session
 *   expired or the member was fenced): `lost`, ownership ends before the handler runs.
 * 'consumer:group:join' then carries the generation and the new assignment: `assigned`, new epochs.
 *
 * Cooperative (groupProtocol 'cooperative', the cooperative-sticky assignor of KIP-429): a rebalance is
 * two rounds. In the first, every member rejoins keeping what it owns, and the assignor gives out only
 * partitions nobody owned; a member that must give some up learns it from that round's SyncGroup, which
 * the library keeps in Consumer#assignments before it rejoins at once (consumer.js
 * #completeClassicSyncGroup). So in the hook, `revoked` is called for the owned partitions that
 * assignment no longer names, and only for them; the rest stay owned and keep flowing. The second round
 * then gives the revoked partitions to their new owners. Between the rounds the group is at the first
 * round's generation, in which the revoked partitions belong to nobody, so their final commit is sent
 * under it; the kept ones move to it.
 *
 * Static membership (groupInstanceId): FENCED_INSTANCE_ID means another process joined with the same
 * instance id. The library would rejoin with it and fence the other in turn, every heartbeat; instead
 * the fenced member gives its partitions up as lost and stops with a fatal error (as the Java client
 * does): the newer process keeps the id. The error is read from the library's heartbeat tracing channel,
 * which reports it before the library's own callback starts the rejoin.
 *
 * When a heartbeat-started rejoin fails for good, the library emits 'error' and schedules no more
 * heartbeats (consumer.js #heartbeat): the member is out of the group. This rejoins with backoff.
 */
import { type Consumer, type ConsumerGroupJoinPayload, consumerHeartbeatChannel, type GroupOptions } from '@platformatic/kafka';
import type { KafkaConfig } from '../../config/types.ts';
import { ScorerError } from '../../errors.ts';
import { type ConsumerHandlers, type KafkaLog, partitionKey, type TopicPartition } from '../client.ts';
import { assignedKeys } from './commit.ts';
import { hasProtocolError } from './errors.ts';
import type { OwnedPartition, Ownership } from './ownership.ts';
import { backoffMs, sleep } from './signal.ts';

const EMPTY = Buffer.alloc(0);
const ignore = (): void => undefined;

export interface MembershipContext {
  readonly consumer: Consumer;
  readonly ownership: Ownership;
  readonly config: KafkaConfig['consumer'];
  readonly groupOptions: GroupOptions;
  /** The cooperative-sticky assignor is offered (see the header). */
  readonly cooperative: boolean;
  readonly signal: AbortSignal;
  readonly log: KafkaLog;
  handlers(): ConsumerHandlers;
  /** New ownerships: find their positions and fetch. */
  started(partitions: OwnedPartition[]): void;
  failed(error: unknown, action: string): void;
  /** The member cannot go on (fenced by another process with its instance id). */
  fatal(error: Error): void;
}

interface HeartbeatContext {
  readonly client?: unknown;
  readonly error?: unknown;
}

export class Membership {
  readonly #ctx: MembershipContext;
  #rebalancing = false;
  #giving: Promise<void> | undefined;
  #joined = { generationId: -1, memberId: '' };
  #rejoinFailures = 0;
  #fenced: Error | undefined;
  /** Whether `assigned` was called since start (a member given nothing must still hear that it joined). */
  #announced = false;
  readonly #heartbeatErrors = {
    start: ignore,
    end: ignore,
    asyncStart: ignore,
    asyncEnd: ignore,
    error: (message: HeartbeatContext) => {
      if (message.client === this.#ctx.consumer && hasProtocolError(message.error, ['FENCED_INSTANCE_ID'])) this.#fence();
    },
  };

  constructor(context: MembershipContext) {
    this.#ctx = context;
  }

  /** Stops listening to the library's channels (the consumer is closing). */
  unwire(): void {
    consumerHeartbeatChannel.unsubscribe(this.#heartbeatErrors);
  }

  wire(): void {
    const { consumer, log } = this.#ctx;
    if (consumer.groupInstanceId !== null) consumerHeartbeatChannel.subscribe(this.#heartbeatErrors);
    consumer.on('consumer:group:rebalance', () => {
      this.#rebalancing = true;
      log.info({ groupId: consumer.groupId }, 'kafka group is rebalancing');
    });
    consumer.on('consumer:group:join', (payload) => this.#onJoin(payload));
    consumer.on('consumer:group:leave', (payload) => log.info({ groupId: payload.groupId, memberId: payload.memberId }, 'kafka group left'));
    consumer.on('error', (error: unknown) => this.#rejoinFailed(error));
  }

  /** The `protocolsMetadata` hook: runs before every JoinGroup attempt; resolves to empty user data. */
  readonly beforeJoin = (): Promise<Buffer> => {
    this.#giving ??= this.#giveUp().finally(() => {
      this.#giving = undefined;
    });
    return this.#giving.then(() => EMPTY);
  };

  async #giveUp(): Promise<void> {
    const orderly = this.#rebalancing;
    this.#rebalancing = false;
    if (this.#fenced !== undefined) throw this.#fenced;
    const owned = this.#ctx.ownership.all();
    if (owned.length === 0) return;
    if (!orderly) this.#lose(owned);
    else if (this.#ctx.cooperative) await this.#revokeMoved(owned);
    else await this.#revoke(owned);
  }

  /** Cooperative: gives up what the last SyncGroup no longer assigns; the rest moves to its generation. */
  async #revokeMoved(owned: OwnedPartition[]): Promise<void> {
    const { consumer } = this.#ctx;
    const assigned = assignedKeys(consumer);
    for (const o of owned) o.generationId = consumer.generationId;
    const moved = owned.filter((o) => !assigned.has(o.key));
    if (moved.length > 0) await this.#revoke(moved);
  }

  /** FENCED_INSTANCE_ID: another process holds this instance id now (see the header). */
  #fence(): void {
    if (this.#fenced !== undefined || this.#ctx.signal.aborted) return;
    const { groupId, groupInstanceId } = this.#ctx.consumer;
    this.#fenced = new ScorerError(
      'SCORER_ERR_KAFKA',
      `another consumer joined group "${groupId}" with group instance id "${groupInstanceId}" (FENCED_INSTANCE_ID): this one stops; give every replica its own kafka.groupInstanceId`,
      { details: { groupId, groupInstanceId } },
    );
  }

  #lose(owned: OwnedPartition[]): void {
    this.#ctx.ownership.end(owned);
    const list = owned.map((o) => o.assignment());
    this.#ctx.log.warn({ partitions: list.length, groupId: this.#ctx.consumer.groupId }, 'kafka partitions lost: the session expired or the member was fenced');
    this.#call('lost', () => this.#ctx.handlers().lost(list));
  }

  /** Stops fetching at once; ends the ownerships when `revoked` settles, or at the bound. */
  async #revoke(owned: OwnedPartition[]): Promise<void> {
    this.#ctx.ownership.deactivate(owned);
    const list = owned.map((o) => o.assignment());
    this.#ctx.log.info({ partitions: list.length }, 'kafka partitions revoked by a rebalance');
    const bound = Math.max(0, this.#ctx.config.sessionTimeoutMs - this.#ctx.config.heartbeatIntervalMs);
    const timer = new AbortController();
    const stop = () => timer.abort();
    this.#ctx.signal.addEventListener('abort', stop, { once: true });
    const revoked = Promise.resolve()
      .then(() => this.#ctx.handlers().revoked(list))
      .then(
        () => false,
        (error: unknown) => {
          this.#ctx.failed(error, 'revoking partitions');
          return false;
        },
      );
    const timedOut = await Promise.race([revoked, sleep(bound, timer.signal).then(() => true)]);
    stop();
    this.#ctx.signal.removeEventListener('abort', stop);
    if (timedOut && !this.#ctx.signal.aborted) {
      this.#ctx.log.warn({ partitions: list.length, waitedMs: bound }, 'kafka revocation did not settle before the session would expire; rejoining without it');
    }
    this.#ctx.ownership.end(owned);
  }

  #onJoin(payload: ConsumerGroupJoinPayload): void {
    const { generationId, memberId } = payload;
    if (generationId === undefined || this.#ctx.signal.aborted) return;
    // Concurrent join attempts share one JoinGroup (kPerformDeduplicated) but each emits the event.
    if (generationId === this.#joined.generationId && memberId === this.#joined.memberId) return;
    this.#joined = { generationId, memberId };
    this.#rebalancing = false;
    this.#rejoinFailures = 0;
    const next: TopicPartition[] = [];
    for (const { topic, partitions } of payload.assignments ?? []) for (const partition of partitions) next.push({ topic, partition });
    const keys = new Set(next.map((p) => partitionKey(p.topic, p.partition)));
    // Eager rebalancing ended every ownership in beforeJoin; whatever is left and not assigned goes now.
    const gone = this.#ctx.ownership.all().filter((o) => !keys.has(o.key));
    if (gone.length > 0) this.#revokeNow(gone);
    const added = this.#ctx.ownership.assign(next, generationId);
    this.#ctx.log.info({ groupId: this.#ctx.consumer.groupId, generationId, memberId, partitions: next.length, added: added.length }, 'kafka group joined');
    // A member that gets nothing (more members than partitions, or the first cooperative round, where
    // only unowned partitions are given out) is still in the group: the first join says so, with none.
    if (added.length === 0 && this.#announced) return;
    this.#announced = true;
    const list = added.map((o) => o.assignment());
    this.#call('assigned', () => this.#ctx.handlers().assigned(list));
    if (added.length > 0) this.#ctx.started(added);
  }

  #revokeNow(gone: OwnedPartition[]): void {
    this.#ctx.ownership.end(gone);
    const list = gone.map((o) => o.assignment());
    this.#call('revoked', () => this.#ctx.handlers().revoked(list));
  }

  /** A handler runs inside the library's event or callback: an exception must not escape into it. */
  #call(name: string, run: () => unknown): void {
    try {
      const result = run();
      if (result instanceof Promise) result.catch((error: unknown) => this.#ctx.failed(error, `handlers.${name}`));
    } catch (error) {
      this.#ctx.failed(error, `handlers.${name}`);
    }
  }

  #rejoinFailed(error: unknown): void {
    if (this.#ctx.signal.aborted || this.#ctx.consumer.closed) return;
    if (this.#fenced === undefined && hasProtocolError(error, ['FENCED_INSTANCE_ID'])) this.#fence();
    if (this.#fenced === undefined) this.#ctx.failed(error, 'rejoining the group');
    // beforeJoin ended every ownership before the failed attempt; anything still held cannot commit.
    const left = this.#ctx.ownership.all();
    if (left.length > 0) {
      this.#ctx.ownership.end(left);
      const list = left.map((o) => o.assignment());
      this.#call('lost', () => this.#ctx.handlers().lost(list));
    }
    if (this.#fenced !== undefined) {
      this.#ctx.log.error({ groupId: this.#ctx.consumer.groupId, groupInstanceId: this.#ctx.consumer.groupInstanceId }, this.#fenced.message);
      this.#ctx.fatal(this.#fenced);
      return;
    }
    const wait = backoffMs(this.#rejoinFailures++ + 3);
    void sleep(wait, this.#ctx.signal).then(() => {
      if (this.#ctx.signal.aborted || this.#ctx.consumer.closed) return;
      this.#ctx.consumer.joinGroup({ ...this.#ctx.groupOptions }).catch((again: unknown) => this.#rejoinFailed(again));
    });
  }
}
