/** The admin calls start-up and the redrive command need, on kafkajs. */
import type { Kafka, Admin as KjsAdmin } from 'kafkajs';
import type { KafkaConfig } from '../../config/types.ts';
import type { Admin, PartitionOffsets } from '../client.ts';
import { connectFailure, missingTopic } from '../connect-errors.ts';
import type { KafkaSecurity } from '../security.ts';

export class KafkajsAdmin implements Admin {
  readonly #admin: KjsAdmin;
  readonly #config: KafkaConfig;
  readonly #security: KafkaSecurity;
  #connected = false;

  constructor(kafka: Kafka, config: KafkaConfig, security: KafkaSecurity) {
    this.#admin = kafka.admin();
    this.#config = config;
    this.#security = security;
  }

  async partitionCounts(topics: readonly string[]): Promise<Map<string, number>> {
    try {
      if (!this.#connected) await this.#admin.connect();
      this.#connected = true;
      const existing = new Set(await this.#admin.listTopics());
      const wanted = [...new Set(topics)].filter((t) => existing.has(t));
      const { topics: metadata } = await this.#admin.fetchTopicMetadata({ topics: wanted });
      return new Map(metadata.map((t) => [t.name, t.partitions.length]));
    } catch (error) {
      throw connectFailure('reading topic metadata', error, this.#config.brokers, this.#security);
    }
  }

  async offsets(topic: string): Promise<PartitionOffsets[]> {
    if ((await this.partitionCounts([topic])).size === 0) throw missingTopic(topic);
    try {
      const offsets = await this.#admin.fetchTopicOffsets(topic);
      return offsets.map((o) => ({ partition: o.partition, start: Number(o.low), end: Number(o.high) })).sort((a, b) => a.partition - b.partition);
    } catch (error) {
      throw connectFailure(`reading the offsets of ${topic}`, error, this.#config.brokers, this.#security);
    }
  }

  async close(): Promise<void> {
    if (this.#connected) await this.#admin.disconnect();
  }
}
