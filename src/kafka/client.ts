/**
 * The Kafka client interface: the only view of Kafka the rest of the service has. Neutral types (no
 * client's shapes), one adapter per client behind it (kafkajs/, platformatic/), chosen by `kafka.client`.
 * Every adapter passes the same conformance suite (test/integration/kafka-client.test.ts), so what this
 * file promises is what the service may rely on; where a client cannot keep a promise, its adapter says
 * so in its own header and the README's client table.
 */

export interface TopicPartition {
  readonly topic: string;
  readonly partition: number;
}

/** Kafka allows a key to repeat, so headers are a list of pairs, in wire order, not a map. A null header
 * value arrives as an empty Buffer. */
export type Header = readonly [key: string, value: Buffer];

/** One shared empty list, so a record without headers costs no allocation. */
export const NO_HEADERS: readonly Header[] = Object.freeze([]) as readonly Header[];

export interface ConsumedRecord {
  readonly offset: number;
  /** Milliseconds since the epoch, as the topic stamps it (CreateTime or LogAppendTime). */
  readonly timestamp: number;
  readonly key: Buffer | null;
  readonly value: Buffer | null;
  readonly headers: readonly Header[];
}

/** Records of one partition from one fetch, in offset order, control records left out; never empty. */
export interface FetchedBatch extends TopicPartition {
  /** The partition's log end offset when fetched: lag = highWatermark - committed. */
  readonly highWatermark: number;
  /** The ownership this batch was fetched under (see Assignment). */
  readonly epoch: number;
  readonly records: readonly ConsumedRecord[];
}

/**
 * A partition this member owns. `epoch` identifies one continuous ownership: it is new whenever the
 * partition is assigned again after being revoked or lost, and commits name it, so that work admitted
 * under an old ownership can never commit under a new one (tulios/kafkajs#916: a commit after a
 * rejoin would otherwise be accepted for a partition another member now holds).
 */
export interface Assignment extends TopicPartition {
  readonly epoch: number;
}

export interface CommitOffset extends Assignment {
  /** The next offset to read: the last processed offset + 1. */
  readonly offset: number;
}

export interface CommitResult {
  /** Offsets not sent because their epoch no longer owns the partition. */
  readonly refused: readonly CommitOffset[];
}

export interface ConsumerHandlers {
  /**
   * The member now owns these partitions (besides any it kept). A new assignment starts unpaused. The
   * first join of a member calls it even with none (a group with more members than partitions): the
   * member is in the group, and the service counts that as ready.
   */
  assigned(partitions: readonly Assignment[]): void;
  /**
   * An orderly rebalance takes these partitions away. They are no longer fetched from this call on,
   * but still count as owned while this call runs, so a commit it makes at once is sent. Where the
   * client lets the adapter wait (see its header), the partitions are given up only once the returned
   * promise settles, so work in flight for them can finish and commit first; an adapter stops waiting
   * before the member's session would expire.
   */
  revoked(partitions: readonly Assignment[]): Promise<void> | void;
  /** Ownership ended without a chance to commit (session expired, member fenced): do not commit them. */
  lost(partitions: readonly Assignment[]): void;
  /**
   * Records of one owned, unpaused partition. Resolves with how many leading records were taken
   * (0 to records.length): the position moves past those only, and the rest is fetched again. The next
   * batch of the same partition is not delivered before this settles; the adapter keeps the membership
   * alive (heartbeats) however long it takes. It must not reject.
   */
  batch(batch: FetchedBatch): Promise<number>;
  /** A client error: `fatal` false while the client retries, true once the consumer has stopped (an
   * adapter whose client retries forever never reports a fatal one). */
  error(error: Error, fatal: boolean): void;
}

/** What a transactional producer sends with offsets, so the coordinator can fence zombies (KIP-447). */
export interface GroupMetadata {
  readonly groupId: string;
  readonly generationId: number;
  readonly memberId: string;
  readonly groupInstanceId: string | undefined;
}

export interface GroupConsumer {
  /**
   * Whether the partitions of a revocation are given up only once the promise `revoked` returned
   * settles (see ConsumerHandlers.revoked). Where false the rebalance goes on without waiting: work
   * still in flight then can no longer be committed, and is better dropped than sent twice.
   */
  readonly awaitsRevocation: boolean;
  /**
   * Connects, subscribes, joins the group and starts fetching; resolves once the consumer runs (the
   * first assignment arrives through `assigned`). Rejects with ScorerError SCORER_ERR_KAFKA whose
   * message names the cause (unreachable brokers, failed authentication, untrusted certificate).
   */
  start(topics: readonly string[], handlers: ConsumerHandlers): Promise<void>;
  /**
   * Stops fetching these partitions: no batch of theirs is delivered after this call, and records of
   * a fetch already in flight for them are dropped without moving the position. Idempotent, and only
   * these partitions: the others keep flowing.
   */
  pause(partitions: readonly TopicPartition[]): void;
  /** Fetches these partitions again from their position, from the next fetch to their broker (up to
   * `kafka.consumer.maxWaitTimeMs` later). Idempotent. */
  resume(partitions: readonly TopicPartition[]): void;
  /**
   * Commits explicit offsets. An offset whose epoch no longer owns its partition is not sent and comes
   * back in `refused`; the others are committed. Rejects when the broker refuses the commit; when it
   * refuses because this member's generation is over (a rebalance), with ScorerError SCORER_ERR_KAFKA
   * whose details.generationOver is true: routine, the partitions' next commit or owner covers it. The
   * committed leader epoch is left unknown (-1): the interface does not track it.
   */
  commit(offsets: readonly CommitOffset[]): Promise<CommitResult>;
  /** The group's current generation as this member sees it (for transactional offsets). */
  groupMetadata(): GroupMetadata;
  /** Leaves the group and disconnects; commit before, since nothing can be committed after. */
  stop(): Promise<void>;
}

export interface OutgoingRecord {
  readonly topic: string;
  readonly key: Buffer | null;
  readonly value: Buffer | null;
  readonly headers: readonly Header[];
}

export interface Producer {
  /**
   * Sends with acks=all, idempotent where the client's idempotence is sound (see the adapter's header);
   * resolves once every record is acknowledged. Order within a partition is array order. Keys are
   * partitioned with murmur2, as the Java client does, so a key lands where a Java producer would put
   * it; records without a key are spread round-robin.
   */
  send(records: readonly OutgoingRecord[]): Promise<void>;
  close(): Promise<void>;
}

/**
 * What a failed transaction step means for the transaction, as the adapter reads its client's error.
 * Adapters reject transaction steps with ScorerError SCORER_ERR_KAFKA whose `details.transaction` is one
 * of these (transactionFailure reads it back):
 * - 'fatal': the producer may not go on: its registration was refused (PRODUCER_FENCED: another producer
 *   registered the transactional id since this one did, so this one is a zombie), or the brokers refuse
 *   the transactional id or its timeout.
 * - 'fenced': the producer's epoch is over (PRODUCER_FENCED or INVALID_PRODUCER_EPOCH from a step of a
 *   transaction). Either the coordinator aborted the transaction because it stayed open longer than its
 *   timeout (it bumps the epoch when it does), or another producer registered the transactional id. The
 *   transaction did not commit. Which of the two it was only the coordinator knows: a replacement that
 *   registers under this producer's identity (TransactionalOptions.resume) is accepted after a timeout
 *   and refused ('fatal') after a takeover. KIP-588 would have said so in the error; brokers and this
 *   client do not implement it.
 * - 'rejected': the brokers answered with an error that is final for this request (a generation that is
 *   over, an offset not owned): the step did not take effect.
 * - 'unknown': no answer (unreachable, timed out) or one that says "try again": the step may or may not
 *   have taken effect. For commit, that means the outcome of the transaction is not known yet.
 */
export type TransactionFailure = 'fatal' | 'fenced' | 'rejected' | 'unknown';

/** The Kafka protocol errors (by their protocol names, which both clients report) that are 'fatal' from any step. */
export const FATAL_TRANSACTION_ERRORS: readonly string[] = [
  'TRANSACTIONAL_ID_AUTHORIZATION_FAILED',
  'INVALID_TRANSACTION_TIMEOUT',
  'CLUSTER_AUTHORIZATION_FAILED',
];

/** The protocol errors that say the producer's epoch is over: 'fenced' from a transaction's steps, 'fatal' from a registration. */
export const FENCING_ERRORS: readonly string[] = ['PRODUCER_FENCED', 'INVALID_PRODUCER_EPOCH'];

export function transactionFailure(error: unknown): TransactionFailure {
  const kind = (error as { details?: { transaction?: unknown } } | undefined)?.details?.transaction;
  return kind === 'fatal' || kind === 'fenced' || kind === 'rejected' ? kind : 'unknown';
}

/** What a transaction's commit turned out to be, read back from the group's committed offsets. */
export type TransactionOutcome = 'committed' | 'aborted' | 'superseded';

/** One open transaction; finish it with commit or abort. */
export interface Transaction {
  send(records: readonly OutgoingRecord[]): Promise<void>;
  /**
   * Adds consumed offsets to the transaction; `consumer` must come from the same client. Rejects when an
   * offset's epoch no longer owns its partition: the transaction must then be aborted.
   */
  sendOffsets(offsets: readonly CommitOffset[], consumer: GroupConsumer): Promise<void>;
  /** Resolves once committed. Sent again after a rejection whose kind is 'unknown' (the coordinator
   * answers a repeated EndTxn of a committed transaction with success). */
  commit(): Promise<void>;
  abort(): Promise<void>;
  /**
   * After a commit whose outcome is unknown: reads the group's committed offsets (waiting while the
   * coordinator still holds pending transactional offsets) for the partitions sendOffsets named and
   * compares them with what this transaction carried: 'committed' when they are this transaction's,
   * 'aborted' when they are still below them, 'superseded' when they are beyond them (another producer
   * committed since: this one is a zombie). Rejects like the other steps when it cannot tell.
   */
  outcome(): Promise<TransactionOutcome>;
}

/** What a transactional producer's registration (InitProducerId) gave it. */
export interface ProducerIdentity {
  readonly producerId: bigint;
  readonly producerEpoch: number;
}

export interface TransactionalOptions {
  /**
   * The transaction timeout the coordinator enforces: a transaction open longer is aborted, which is
   * what ends a crashed producer's open transaction when no successor takes over its transactional id.
   */
  readonly timeoutMs: number;
  /**
   * The identity of the producer this one replaces, under the same transactional id. The registration
   * names it (InitProducerId with a producer id and epoch, KIP-360): the coordinator bumps that epoch,
   * aborting what it left open, when that producer is still the id's latest registration or its epoch
   * was bumped only by the coordinator timing its transaction out, and refuses (PRODUCER_FENCED:
   * 'fatal') when another producer registered the id since. Absent: a first registration, which takes
   * the id from whoever holds it.
   */
  readonly resume?: ProducerIdentity;
}

export interface TransactionalProducer {
  /**
   * Registers the transactional id with its coordinator (InitProducerId): without `resume`, a producer
   * that used the id before is fenced, and a transaction it left open is aborted. begin() does it too,
   * on first use.
   */
  init(): Promise<void>;
  /** Opens a transaction; one at a time per producer. */
  begin(): Promise<Transaction>;
  /** What the registration gave, once it succeeded; undefined before, or where the client does not tell. */
  readonly identity: ProducerIdentity | undefined;
  close(): Promise<void>;
}

/** One partition's offsets at the moment they were read. */
export interface PartitionOffsets {
  readonly partition: number;
  /** The log start offset: the oldest record still kept. */
  readonly start: number;
  /** The log end offset (the high watermark): the offset the next record written will get. */
  readonly end: number;
}

export interface Admin {
  /** Partition count of each topic that exists; missing topics are absent from the map. */
  partitionCounts(topics: readonly string[]): Promise<Map<string, number>>;
  /** Every partition of `topic`, in partition order; rejects with SCORER_ERR_KAFKA for a topic that does not exist. */
  offsets(topic: string): Promise<PartitionOffsets[]>;
  close(): Promise<void>;
}

/** Where a client's own log lines go; adapters decide the level (routine rebalances are not errors). */
export interface KafkaLog {
  debug(obj: object, msg: string): void;
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

export type ClientName = 'kafkajs' | 'platformatic';

export interface KafkaClient {
  readonly name: ClientName;
  /** A member of `kafka.groupId`, configured from `kafka.consumer`. */
  consumer(): GroupConsumer;
  producer(): Producer;
  transactionalProducer(transactionalId: string, options?: TransactionalOptions): TransactionalProducer;
  admin(): Admin;
}

/** "topic\0partition": a key no topic name can collide with (NUL is not a legal topic character). */
export function partitionKey(topic: string, partition: number): string {
  return `${topic}\u0000${partition}`;
}
