/**
 * The kafkajs producer behind RecordTransport: acks=all on every send, no auto topic creation.
 * Idempotence stays off: kafkajs marks it experimental and it needs maxInFlightRequests=1 anyway
 * (tulios/kafkajs#598); the ordered sender already keeps one send in flight.
 */
import { CompressionTypes, type Kafka, type Message, Partitioners, type Producer, type TopicMessages } from 'kafkajs';
import type { KafkaConfig } from '../config/types.ts';
import { ScorerError } from '../errors.ts';
import type { OutRecord, RecordTransport } from './types.ts';

export class KafkaTransport implements RecordTransport {
  readonly #producer: Producer;
  readonly #compression: CompressionTypes;

  constructor(kafka: Kafka, config: KafkaConfig) {
    // Named explicitly: the murmur2 partitioner Java clients use, so a key lands where a Java producer
    // would put it (naming it also stops kafkajs's warning about its v2 change of default).
    this.#producer = kafka.producer({ allowAutoTopicCreation: false, maxInFlightRequests: 1, createPartitioner: Partitioners.DefaultPartitioner });
    this.#compression = config.producer.compression === 'gzip' ? CompressionTypes.GZIP : CompressionTypes.None;
  }

  async connect(): Promise<void> {
    try {
      await this.#producer.connect();
    } catch (cause) {
      throw new ScorerError('SCORER_ERR_KAFKA', 'producer could not connect', { cause, retryable: true });
    }
  }

  async send(records: readonly OutRecord[]): Promise<void> {
    await this.#producer.sendBatch({
      acks: -1,
      compression: this.#compression,
      topicMessages: groupByTopic(records),
    });
  }

  async disconnect(): Promise<void> {
    await this.#producer.disconnect();
  }
}

/** Keeps each topic's records in enqueue order; kafkajs preserves that order within a partition. */
function groupByTopic(records: readonly OutRecord[]): TopicMessages[] {
  const byTopic = new Map<string, Message[]>();
  for (const r of records) {
    const message: Message = { key: r.key, value: r.value, headers: r.headers as Message['headers'] };
    const list = byTopic.get(r.topic);
    if (list) list.push(message);
    else byTopic.set(r.topic, [message]);
  }
  return [...byTopic].map(([topic, messages]) => ({ topic, messages }));
}
