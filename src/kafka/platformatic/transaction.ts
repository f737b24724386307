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
 */
import { Producer as LibraryProducer, ProduceAcks, type txnOffsetCommitV4 } from '@platformatic/kafka';
import type { KafkaConfig } from '../../config/types.ts';
import { ScorerError } from '../../errors.ts';
import type { CommitOffset, GroupConsumer, KafkaLog, OutgoingRecord, Transaction, TransactionalProducer } from '../client.ts';
import { connectFailure } from '../connect-errors.ts';
import type { KafkaSecurity } from '../security.ts';
import { PlatformaticConsumer } from './consumer.ts';
import { GroupCoordinator, libraryApi } from './coordinator.ts';
import { logClientEvents } from './log.ts';
import { outgoingMessages, producerOptions, sendFailure } from './producer.ts';
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

class PlatformaticTransaction implements Transaction {
  readonly #producer: LibraryProducer;
  readonly #tx: LibraryTransaction;
  readonly #coordinator: (groupId: string) => GroupCoordinator;
  readonly #fail: (error: unknown) => Error;

  constructor(producer: LibraryProducer, tx: LibraryTransaction, coordinator: (groupId: string) => GroupCoordinator, fail: (error: unknown) => Error) {
    this.#producer = producer;
    this.#tx = tx;
    this.#coordinator = coordinator;
    this.#fail = fail;
  }

  async send(records: readonly OutgoingRecord[]): Promise<void> {
    if (records.length === 0) return;
    await this.#tx.send({ messages: outgoingMessages(records), acks: ProduceAcks.ALL }).catch((error: unknown) => Promise.reject(this.#fail(error)));
  }

  async sendOffsets(offsets: readonly CommitOffset[], consumer: GroupConsumer): Promise<void> {
    if (!(consumer instanceof PlatformaticConsumer)) {
      throw new ScorerError('SCORER_ERR_INVARIANT', 'sendOffsets needs a consumer of the same Kafka client (platformatic)');
    }
    if (offsets.length === 0) return;
    await this.#tx.addConsumer(consumer.library);
    const api = await libraryApi<TxnOffsetCommitArgs, TxnOffsetCommitResponse>(this.#producer, 'TxnOffsetCommit');
    await this.#coordinator(consumer.library.groupId).request(async (connection) => {
      const o = consumer.transactionalOffsets(offsets);
      const { producerId, producerEpoch } = this.#producer;
      if (producerId === undefined || producerEpoch === undefined) throw new ScorerError('SCORER_ERR_INVARIANT', 'transactional producer has no producer id');
      await api.async(connection, this.#tx.id, o.groupId, producerId, producerEpoch, o.generationId, o.memberId, o.groupInstanceId, o.topics);
    });
  }

  async commit(): Promise<void> {
    await this.#tx.commit();
  }

  async abort(): Promise<void> {
    await this.#tx.abort();
  }
}

export class PlatformaticTransactionalProducer implements TransactionalProducer {
  readonly #producer: LibraryProducer;
  readonly #config: KafkaConfig;
  readonly #security: KafkaSecurity;
  readonly #coordinators = new Map<string, GroupCoordinator>();
  readonly #tls = new TlsErrors();

  constructor(config: KafkaConfig, security: KafkaSecurity, log: KafkaLog, transactionalId: string) {
    this.#config = config;
    this.#security = security;
    this.#producer = new LibraryProducer(producerOptions(config, security, transactionalId));
    logClientEvents(this.#producer, log, 'transactional producer');
    this.#tls.watchClient(this.#producer);
  }

  async begin(): Promise<Transaction> {
    let tx: LibraryTransaction;
    try {
      tx = await this.#producer.beginTransaction();
    } catch (error) {
      throw connectFailure('beginning a transaction', this.#tls.explain(error), this.#config.brokers, this.#security);
    }
    return new PlatformaticTransaction(
      this.#producer,
      tx,
      (groupId) => this.#coordinatorOf(groupId),
      (error) => sendFailure(this.#tls.explain(error), this.#config, this.#security),
    );
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
    return this.#producer.close();
  }
}
