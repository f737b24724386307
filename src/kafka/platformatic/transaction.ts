/**
 * Transactions on @platformatic/kafka: Producer#beginTransaction (InitProducerId once per producer,
 * then AddPartitionsToTxn as records go to new partitions) and Transaction#commit/abort (EndTxn).
 *
 * sendOffsets is KIP-447: AddOffsetsToTxn through Transaction#addConsumer (transaction.js; it only
 * reads the consumer's groupId), then one TxnOffsetCommit (v3+) carrying the consumer's generation and
 * member id, so the group coordinator refuses it once the consumer's generation is over and a zombie
 * cannot commit. It is sent here rather than with Transaction#addOffset, which sends one request per
 * message and deduplicates concurrent calls under one key (producer.js kTransactionCommitOffset), and
 * it is checked against the consumer's ownership epochs right before it leaves: the coordinator checks
 * the generation, not which member owns which partition.
 *
 * Two library facts this file works around (clients/producer/producer.js, 2.12.1):
 * - InitProducerId is sent with producer id 0 and epoch 0 unless the options name others
 *   (#initIdempotentProducer: `options.producerId ?? ... ?? 0n`). The coordinator reads that as "I am
 *   producer 0" and answers PRODUCER_FENCED to any transactional id used before, so a restarted replica
 *   could never take its id back. begin() and init() pass -1/-1 (no producer yet), which is what the
 *   Java client sends: the coordinator then bumps the epoch, fencing the previous holder of the id and
 *   aborting the transaction it left open (measured: epochs 0, 1, then 3 after an open one was aborted).
 *   A replacement passes the identity of the producer it replaces instead (TransactionalOptions.resume,
 *   KIP-360), which the coordinator accepts only while no other producer registered the id since;
 *   measured on Kafka 4.4: accepted after the coordinator timed a transaction out (same producer id,
 *   the epoch it bumped) and while one was open (aborted), refused with PRODUCER_FENCED after another
 *   registration, idle or mid-transaction.
 * - The transaction timeout is the producer's `timeout` option (InitProducerId's transaction_timeout_ms,
 *   and also the produce acks timeout); it is set from TransactionalOptions.timeoutMs.
 *
 * Every step rejects with ScorerError SCORER_ERR_KAFKA whose details.transaction says what the failure
 * means for the transaction (TransactionFailure in client.ts).
 */
import { setTimeout as delay } from 'node:timers/promises';
import { Producer as LibraryProducer, ProduceAcks, type txnOffsetCommitV4 } from '@platformatic/kafka';
import type { KafkaConfig } from '../../config/types.ts';
import { ScorerError } from '../../errors.ts';
import {
  type CommitOffset,
  FATAL_TRANSACTION_ERRORS,
  FENCING_ERRORS,
  type GroupConsumer,
  type KafkaLog,
  type OutgoingRecord,
  type ProducerIdentity,
  type Transaction,
  type TransactionalOptions,
  type TransactionalProducer,
  type TransactionFailure,
  type TransactionOutcome,
} from '../client.ts';
import { causes, connectFailure } from '../connect-errors.ts';
import type { KafkaSecurity } from '../security.ts';
import { PlatformaticConsumer } from './consumer.ts';
import { GroupCoordinator, libraryApi } from './coordinator.ts';
import { COORDINATOR_MOVED, GENERATION_OVER, hasProtocolError, protocolIds } from './errors.ts';
import { logClientEvents } from './log.ts';
import { LIBRARY_RETRIES, retryDelay } from './options.ts';
import { outgoingMessages, producerOptions } from './producer.ts';
import { stableCommittedOffsets } from './stable-offsets.ts';
import { TlsErrors } from './tls-errors.ts';

type TxnOffsetCommitRequestTopic = txnOffsetCommitV4.TxnOffsetCommitRequestTopic;
type TxnOffsetCommitResponse = txnOffsetCommitV4.TxnOffsetCommitResponse;
/** The library's Transaction class is not exported (clients/producer/index.d.ts). */
type LibraryTransaction = Awaited<ReturnType<LibraryProducer['beginTransaction']>>;

type TxnOffsetCommitArgs = [
  transactionalId: string,
  groupId: string,
  producerId: bigint,
  producerEpoch: number,
  generationId: number,
  memberId: string,
  groupInstanceId: string | null,
  topics: TxnOffsetCommitRequestTopic[],
];

/** No producer id yet: the coordinator assigns one, or bumps the epoch of the id's current one. */
const FRESH = { producerId: -1n, producerEpoch: -1 } as const;

/**
 * What a library error means for the transaction (see TransactionFailure); `registering`: the step sent
 * InitProducerId, whose PRODUCER_FENCED is the coordinator's answer that the id is someone else's now.
 */
export function transactionFailureOf(error: unknown, registering: boolean): TransactionFailure {
  if (hasProtocolError(error, FATAL_TRANSACTION_ERRORS)) return 'fatal';
  if (hasProtocolError(error, FENCING_ERRORS)) return registering ? 'fatal' : 'fenced';
  if (hasProtocolError(error, GENERATION_OVER)) return 'rejected';
  for (const cause of causes(error)) {
    const c = cause as { apiId?: unknown; canRetry?: unknown; code?: unknown };
    // A broker's answer that it marks final, or the library refusing a call in its current state.
    if ((typeof c.apiId === 'string' && c.canRetry === false) || c.code === 'PLT_KFK_USER') return 'rejected';
    // The adapter's own ownership check (consumer.ts transactionalOffsets).
    if (cause instanceof ScorerError && cause.code === 'SCORER_ERR_KAFKA' && cause.details['refused'] !== undefined) return 'rejected';
  }
  return 'unknown';
}

class PlatformaticTransaction implements Transaction {
  readonly #producer: LibraryProducer;
  readonly #tx: LibraryTransaction;
  readonly #coordinator: (groupId: string) => GroupCoordinator;
  readonly #fail: (step: string, error: unknown) => ScorerError;
  /** What sendOffsets carried, for outcome(). */
  #offsets: { groupId: string; offsets: readonly CommitOffset[] } | undefined;

  constructor(
    producer: LibraryProducer,
    tx: LibraryTransaction,
    coordinator: (groupId: string) => GroupCoordinator,
    fail: (step: string, error: unknown) => ScorerError,
  ) {
    this.#producer = producer;
    this.#tx = tx;
    this.#coordinator = coordinator;
    this.#fail = fail;
  }

  async send(records: readonly OutgoingRecord[]): Promise<void> {
    if (records.length === 0) return;
    await this.#tx
      .send({ messages: outgoingMessages(records), acks: ProduceAcks.ALL })
      .catch((error: unknown) => Promise.reject(this.#fail('producing', error)));
  }

  async sendOffsets(offsets: readonly CommitOffset[], consumer: GroupConsumer): Promise<void> {
    if (!(consumer instanceof PlatformaticConsumer)) {
      throw new ScorerError('SCORER_ERR_INVARIANT', 'sendOffsets needs a consumer of the same Kafka client (platformatic)');
    }
    if (offsets.length === 0) return;
    try {
      await this.#tx.addConsumer(consumer.library);
      const api = await libraryApi<TxnOffsetCommitArgs, TxnOffsetCommitResponse>(this.#producer, 'TxnOffsetCommit');
      await this.#coordinator(consumer.library.groupId).request(async (connection) => {
        const o = consumer.transactionalOffsets(offsets);
        const { producerId, producerEpoch } = this.#producer;
        if (producerId === undefined || producerEpoch === undefined) throw new ScorerError('SCORER_ERR_INVARIANT', 'transactional producer has no producer id');
        this.#offsets = { groupId: o.groupId, offsets };
        await api.async(connection, this.#tx.id, o.groupId, producerId, producerEpoch, o.generationId, o.memberId, o.groupInstanceId, o.topics);
      });
    } catch (error) {
      throw this.#fail('sending offsets in the transaction', error);
    }
  }

  async commit(): Promise<void> {
    await this.#tx.commit().catch((error: unknown) => Promise.reject(this.#fail('committing the transaction', error)));
  }

  async abort(): Promise<void> {
    await this.#tx.abort().catch((error: unknown) => Promise.reject(this.#fail('aborting the transaction', error)));
  }

  async outcome(): Promise<TransactionOutcome> {
    const sent = this.#offsets;
    if (sent === undefined || sent.offsets.length === 0) {
      throw new ScorerError('SCORER_ERR_KAFKA', 'the outcome of a transaction without offsets cannot be read back', { details: { transaction: 'unknown' } });
    }
    let committed: Map<string, number>;
    try {
      committed = await stableCommittedOffsets(this.#producer, this.#coordinator(sent.groupId), sent.groupId, sent.offsets);
    } catch (error) {
      throw this.#fail('reading back committed offsets', error);
    }
    let mine = 0;
    for (const o of sent.offsets) {
      const now = committed.get(`${o.topic}:${o.partition}`) ?? -1;
      if (now > o.offset) return 'superseded';
      if (now === o.offset) mine++;
    }
    if (mine === sent.offsets.length) return 'committed';
    return mine === 0 ? 'aborted' : 'superseded';
  }
}

/**
 * How long a registration waits for a transaction coordinator that answers but is not ready. A fresh
 * cluster creates __transaction_state (50 partitions by default) on the first registration, and a broker
 * just started loads it: NOT_COORDINATOR and the like for a while, longer than the library's own retries
 * (a second or two) on a loaded machine (seen: a fresh broker beside other tests, start-up failed).
 */
const COORDINATOR_WAIT_MS = 60_000;
const COORDINATOR_NOT_READY = [...COORDINATOR_MOVED, 'CONCURRENT_TRANSACTIONS'];

export class PlatformaticTransactionalProducer implements TransactionalProducer {
  #producer: LibraryProducer;
  readonly #config: KafkaConfig;
  readonly #security: KafkaSecurity;
  readonly #log: KafkaLog;
  readonly #id: string;
  readonly #options: TransactionalOptions | undefined;
  readonly #coordinators = new Map<string, GroupCoordinator>();
  readonly #tls = new TlsErrors();
  /** Whom the registration names: the producer replaced, or nobody (FRESH). */
  readonly #resume: ProducerIdentity;
  #identity: ProducerIdentity | undefined;
  #closed = false;

  constructor(config: KafkaConfig, security: KafkaSecurity, log: KafkaLog, transactionalId: string, options?: TransactionalOptions) {
    this.#config = config;
    this.#security = security;
    this.#log = log;
    this.#id = transactionalId;
    this.#options = options;
    this.#resume = options?.resume ?? FRESH;
    this.#producer = this.#libraryProducer();
  }

  #libraryProducer(): LibraryProducer {
    const producer = new LibraryProducer({
      ...producerOptions(this.#config, this.#security, this.#id),
      ...(this.#options === undefined ? {} : { timeout: this.#options.timeoutMs }),
    });
    logClientEvents(producer, this.#log, 'transactional producer');
    this.#tls.watchClient(producer);
    return producer;
  }

  /** Registers, waiting up to COORDINATOR_WAIT_MS for a transaction coordinator that is not ready. */
  async init(): Promise<void> {
    const deadline = Date.now() + COORDINATOR_WAIT_MS;
    for (let attempt = 1; ; attempt++) {
      let tx: LibraryTransaction;
      try {
        tx = await this.#begin('registering the transactional id');
      } catch (error) {
        if (!hasProtocolError(error, COORDINATOR_NOT_READY) || Date.now() > deadline || this.#closed) throw error;
        // A failed registration leaves the library's transaction in place (producer.js beginTransaction
        // clears it only on success), so every attempt needs a client of its own.
        await this.#producer.close(true).catch(() => undefined);
        this.#producer = this.#libraryProducer();
        this.#log.debug({ err: error, attempt }, 'transaction coordinator not ready; registering again');
        await delay(retryDelay(this.#producer, 'initProducerId', attempt, LIBRARY_RETRIES, error as Error));
        continue;
      }
      // Nothing was added to it, so there is nothing to end on the coordinator: forget it locally.
      await tx.cancel();
      return;
    }
  }

  async begin(): Promise<Transaction> {
    const tx = await this.#begin('beginning a transaction');
    return new PlatformaticTransaction(
      this.#producer,
      tx,
      (groupId) => this.#coordinatorOf(groupId),
      (step, error) => this.#failure(step, error, false),
    );
  }

  get identity(): ProducerIdentity | undefined {
    return this.#identity;
  }

  /** The library registers on the first begin only (transaction.js kTransactionPrepare); the options are that registration's. */
  async #begin(step: string): Promise<LibraryTransaction> {
    const registering = this.#identity === undefined;
    let tx: LibraryTransaction;
    try {
      tx = await this.#producer.beginTransaction({ ...(this.#identity ?? this.#resume) });
    } catch (error) {
      throw this.#failure(step, error, registering);
    }
    const { producerId, producerEpoch } = this.#producer;
    if (registering && producerId !== undefined && producerEpoch !== undefined) this.#identity = { producerId, producerEpoch };
    return tx;
  }

  /** The step's failure as ScorerError SCORER_ERR_KAFKA, naming the cause, the brokers and the id. */
  #failure(step: string, error: unknown, registering: boolean): ScorerError {
    const explained = this.#tls.explain(error);
    const kind = transactionFailureOf(explained, registering);
    const named = connectFailure(`${step} (transactional id "${this.#id}")`, explained, this.#config.brokers, this.#security);
    // The library's message names only the request; the brokers' error codes say what happened.
    const ids = [...protocolIds(explained)];
    const fenced =
      kind === 'fenced'
        ? `: this producer's epoch is over (the coordinator aborted a transaction open longer than its timeout, or another producer registered transactional id "${this.#id}")`
        : ids.includes('PRODUCER_FENCED')
          ? `: fenced, a newer producer registered transactional id "${this.#id}" (another replica with the same delivery.transaction.id, or this one's successor)`
          : '';
    const message = ids.length === 0 ? named.message : `${named.message} (${ids.join(', ')})${fenced}`;
    return new ScorerError('SCORER_ERR_KAFKA', message, {
      cause: error,
      retryable: kind === 'unknown',
      details: { ...named.details, transaction: kind, transactionalId: this.#id },
    });
  }

  /** TxnOffsetCommit goes to the group's coordinator, over this producer's connections. */
  #coordinatorOf(groupId: string): GroupCoordinator {
    let coordinator = this.#coordinators.get(groupId);
    if (coordinator === undefined) {
      coordinator = new GroupCoordinator(this.#producer, groupId);
      this.#coordinators.set(groupId, coordinator);
    }
    return coordinator;
  }

  close(): Promise<void> {
    this.#closed = true;
    return this.#producer.close(true);
  }
}
