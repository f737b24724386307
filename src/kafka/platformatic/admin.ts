/** The admin call start-up needs, on @platformatic/kafka. */
import { Admin as LibraryAdmin } from '@platformatic/kafka';
import type { KafkaConfig } from '../../config/types.ts';
import type { Admin, KafkaLog } from '../client.ts';
import { connectFailure } from '../connect-errors.ts';
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

  close(): Promise<void> {
    return this.#admin.close();
  }
}
