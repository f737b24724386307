/** The admin calls start-up and the redrive command need, on @platformatic/kafka. */
import { Admin as LibraryAdmin, ListOffsetTimestamps } from '@platformatic/kafka';
import type { KafkaConfig } from '../../config/types.ts';
import type { Admin, KafkaLog, PartitionOffsets } from '../client.ts';
import { connectFailure, missingTopic } from '../connect-errors.ts';
import type { KafkaSecurity } from '../security.ts';
import { logClientEvents } from './log.ts';
import { baseOptions } from './options.ts';
import { TlsErrors } from './tls-errors.ts';

export class PlatformaticAdmin implements Admin {
  readonly #admin: LibraryAdmin;
  readonly #config: KafkaConfig;
  readonly #security: KafkaSecurity;
  readonly #tls = new TlsErrors();

  constructor(config: KafkaConfig, security: KafkaSecurity, log: KafkaLog) {
    this.#config = config;
    this.#security = security;
    this.#admin = new LibraryAdmin(baseOptions(config, security));
    logClientEvents(this.#admin, log, 'admin');
    this.#tls.watchClient(this.#admin);
  }

  /**
   * Metadata for a missing topic fails the whole request ("Unknown topic", base.js #performMetadata),
   * so the topics that exist are listed first.
   */
  async partitionCounts(topics: readonly string[]): Promise<Map<string, number>> {
    try {
      const existing = new Set(await this.#admin.listTopics());
      const wanted = [...new Set(topics)].filter((t) => existing.has(t));
      if (wanted.length === 0) return new Map();
      const metadata = await this.#admin.metadata({ topics: wanted, forceUpdate: true });
      const counts = new Map<string, number>();
      for (const [name, topic] of metadata.topics) if (topic !== undefined) counts.set(name, topic.partitionsCount);
      return counts;
    } catch (error) {
      throw connectFailure('reading topic metadata', this.#tls.explain(error), this.#config.brokers, this.#security);
    }
  }

  async offsets(topic: string): Promise<PartitionOffsets[]> {
    const count = (await this.partitionCounts([topic])).get(topic);
    if (count === undefined) throw missingTopic(topic);
    try {
      const at = async (timestamp: bigint) => {
        const partitions = Array.from({ length: count }, (_, partitionIndex) => ({ partitionIndex, timestamp }));
        const [listed] = await this.#admin.listOffsets({ topics: [{ name: topic, partitions }] });
        return new Map((listed?.partitions ?? []).map((p) => [p.partitionIndex, Number(p.offset)]));
      };
      const [starts, ends] = await Promise.all([at(ListOffsetTimestamps.EARLIEST), at(ListOffsetTimestamps.LATEST)]);
      return Array.from({ length: count }, (_, partition) => ({ partition, start: starts.get(partition) ?? 0, end: ends.get(partition) ?? 0 }));
    } catch (error) {
      throw connectFailure(`reading the offsets of ${topic}`, this.#tls.explain(error), this.#config.brokers, this.#security);
    }
  }

  close(): Promise<void> {
    return this.#admin.close();
  }
}
