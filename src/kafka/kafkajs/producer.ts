/**
 * Producer and TransactionalProducer on kafkajs, with one request in flight. The plain producer is not
 * idempotent: kafkajs marks idempotence experimental (tulios/kafkajs#598, #980), and in the conformance
 * suite it rejected a send mixing two topics with OUT_OF_ORDER_SEQUENCE_NUMBER in 1 run of 6, after
 * which its sequence numbers stay wrong. Without it a send retried after a lost acknowledgement may write
 * a record twice, a duplicate like any other at-least-once one (lineage identifies it). Transactions
 * need idempotence, so the transactional producer keeps it.
 *
 * delivery.guarantee exactly-once is refused on this client at start-up (config/rules.ts says why). The
 * transactional producer stays for the conformance suite and for callers that bring their own fencing;
 * its steps reject with details.transaction like the other adapter's (client.ts).
 */
import { CompressionTypes, type Kafka, type Producer as KjsProducer, Partitioners, type TopicMessages } from 'kafkajs';
import type { KafkaConfig } from '../../config/types.ts';
import { ScorerError } from '../../errors.ts';
import {
  type CommitOffset,
  FATAL_TRANSACTION_ERRORS,
  type GroupConsumer,
  type OutgoingRecord,
  type Producer,
  type Transaction,
  type TransactionalOptions,
  type TransactionalProducer,
  type TransactionFailure,
  type TransactionOutcome,
} from '../client.ts';
import { causes, connectFailure } from '../connect-errors.ts';
import type { KafkaSecurity } from '../security.ts';
import { KafkajsConsumer } from './consumer.ts';
import { kafkajsMessage } from './records.ts';

/** Keeps each topic's records in the order given; kafkajs keeps that order within a partition. */
function topicMessages(records: readonly OutgoingRecord[]): TopicMessages[] {
  const topics = new Map<string, TopicMessages['messages']>();
  for (const r of records) {
    const list = topics.get(r.topic);
    if (list) list.push(kafkajsMessage(r));
    else topics.set(r.topic, [kafkajsMessage(r)]);
  }
  return [...topics].map(([topic, messages]) => ({ topic, messages }));
}

class Connected {
  readonly producer: KjsProducer;
  readonly compression: CompressionTypes;
  readonly #config: KafkaConfig;
  readonly #security: KafkaSecurity;
  #connecting: Promise<void> | undefined;

  constructor(kafka: Kafka, config: KafkaConfig, security: KafkaSecurity, transactionalId?: string, transactionTimeoutMs?: number) {
    this.#config = config;
    this.#security = security;
    this.compression = config.producer.compression === 'gzip' ? CompressionTypes.GZIP : CompressionTypes.None;
    // Named explicitly: the murmur2 partitioner the Java client uses (it also silences kafkajs's
    // warning about the v2 change of default).
    this.producer = kafka.producer({
      allowAutoTopicCreation: false,
      idempotent: transactionalId !== undefined,
      maxInFlightRequests: 1,
      createPartitioner: Partitioners.DefaultPartitioner,
      ...(transactionalId === undefined ? {} : { transactionalId }),
      ...(transactionTimeoutMs === undefined ? {} : { transactionTimeout: transactionTimeoutMs }),
    });
  }

  /** Connects on first use; a failed connect is retried by the next call. */
  ready(): Promise<void> {
    this.#connecting ??= this.producer.connect().catch((error: unknown) => {
      this.#connecting = undefined;
      throw connectFailure('connecting the producer', error, this.#config.brokers, this.#security);
    });
    return this.#connecting;
  }

  async close(): Promise<void> {
    if (this.#connecting !== undefined) await this.producer.disconnect();
  }
}

export class KafkajsProducer implements Producer {
  readonly #c: Connected;

  constructor(kafka: Kafka, config: KafkaConfig, security: KafkaSecurity) {
    this.#c = new Connected(kafka, config, security);
  }

  async send(records: readonly OutgoingRecord[]): Promise<void> {
    await this.#c.ready();
    await this.#c.producer.sendBatch({ acks: -1, compression: this.#c.compression, topicMessages: topicMessages(records) });
  }

  close(): Promise<void> {
    return this.#c.close();
  }
}

/**
 * kafkajs errors carry the protocol error's `type` and whether it may be retried. PRODUCER_FENCED is
 * final here: kafkajs does not tell its producer id and epoch, so no replacement can resume them to learn
 * whether it was the coordinator's timeout.
 */
function kafkajsFailure(error: unknown): TransactionFailure {
  for (const cause of causes(error)) {
    const c = cause as { type?: unknown; retriable?: unknown };
    if (typeof c.type === 'string' && (FATAL_TRANSACTION_ERRORS.includes(c.type) || c.type === 'PRODUCER_FENCED')) return 'fatal';
    if (typeof c.type === 'string' && c.retriable === false) return 'rejected';
  }
  return 'unknown';
}

export class KafkajsTransactionalProducer implements TransactionalProducer {
  readonly #c: Connected;
  readonly #groupId: string;
  /** kafkajs keeps its producer id and epoch to itself; options.resume is ignored for the same reason. */
  readonly identity = undefined;

  constructor(kafka: Kafka, config: KafkaConfig, security: KafkaSecurity, transactionalId: string, options?: TransactionalOptions) {
    this.#c = new Connected(kafka, config, security, transactionalId, options?.timeoutMs);
    this.#groupId = config.groupId;
  }

  /** kafkajs sends InitProducerId when a transactional producer connects. */
  init(): Promise<void> {
    return this.#c.ready();
  }

  async begin(): Promise<Transaction> {
    await this.#c.ready();
    const txn = await this.#c.producer.transaction();
    const { compression } = this.#c;
    const groupId = this.#groupId;
    const step =
      <A extends unknown[]>(what: string, run: (...args: A) => Promise<unknown>) =>
      async (...args: A): Promise<void> => {
        try {
          await run(...args);
        } catch (error) {
          const kind = error instanceof ScorerError ? 'rejected' : kafkajsFailure(error);
          throw new ScorerError('SCORER_ERR_KAFKA', `${what} failed: ${(error as Error).message}`, { cause: error, details: { transaction: kind } });
        }
      };
    return {
      send: step('producing in a transaction', async (records: readonly OutgoingRecord[]) => {
        await txn.sendBatch({ acks: -1, compression, topicMessages: topicMessages(records) });
      }),
      // TxnOffsetCommit v0-v1 without the group's generation: no KIP-447 fencing on kafkajs, so
      // exactly-once needs one transactional id per input partition (Transactions.md).
      sendOffsets: step('sending offsets in a transaction', async (offsets: readonly CommitOffset[], consumer: GroupConsumer) => {
        if (!(consumer instanceof KafkajsConsumer))
          throw new ScorerError('SCORER_ERR_INVARIANT', 'sendOffsets needs a consumer of the same Kafka client (kafkajs)');
        // The coordinator cannot tell a zombie from the owner here (no generation is sent), so the
        // ownership check is this member's own: the transaction must be aborted.
        const stale = consumer.notOwned(offsets);
        if (stale.length > 0) {
          throw new ScorerError(
            'SCORER_ERR_KAFKA',
            `offsets of partitions this member no longer owns: ${stale.map((o) => `${o.topic}[${o.partition}]`).join(', ')}`,
          );
        }
        await txn.sendOffsets({ consumerGroupId: groupId, topics: offsetTopics(offsets) });
      }),
      commit: step('committing a transaction', () => txn.commit()),
      abort: step('aborting a transaction', () => txn.abort()),
      outcome: async (): Promise<TransactionOutcome> => {
        throw new ScorerError('SCORER_ERR_KAFKA', 'kafkajs cannot read committed offsets with require_stable (OffsetFetch v4 at most)', {
          details: { transaction: 'unknown' },
        });
      },
    };
  }

  close(): Promise<void> {
    return this.#c.close();
  }
}

function offsetTopics(offsets: readonly CommitOffset[]): { topic: string; partitions: { partition: number; offset: string }[] }[] {
  const topics = new Map<string, { partition: number; offset: string }[]>();
  for (const { topic, partition, offset } of offsets) {
    const list = topics.get(topic) ?? [];
    list.push({ partition, offset: String(offset) });
    topics.set(topic, list);
  }
  return [...topics].map(([topic, partitions]) => ({ topic, partitions }));
}
