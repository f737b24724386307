/**
 * KafkaClient on @platformatic/kafka 2.12.1: pure JavaScript, maintained, about 1.6x kafkajs's
 * consume-produce-commit rate here (../shared/notes/libraries.md section 6). What the library lacks is
 * built in this folder: per-partition pause with an own fetch loop (consumer.ts says how), ownership
 * epochs on commits, and a revocation the adapter can wait for.
 */
import type { KafkaConfig } from '../../config/types.ts';
import type { Admin, GroupConsumer, KafkaClient, KafkaLog, Producer, TransactionalOptions, TransactionalProducer } from '../client.ts';
import { type KafkaSecurity, resolveSecurity } from '../security.ts';
import { PlatformaticAdmin } from './admin.ts';
import { PlatformaticConsumer } from './consumer.ts';
import { PlatformaticProducer } from './producer.ts';
import { PlatformaticTransactionalProducer } from './transaction.ts';

export class PlatformaticClient implements KafkaClient {
  readonly name = 'platformatic';
  readonly #config: KafkaConfig;
  readonly #security: KafkaSecurity;
  readonly #log: KafkaLog;

  /** Throws ScorerError SCORER_ERR_CONFIG when a TLS or SASL file cannot be read (resolveSecurity). */
  constructor(config: KafkaConfig, log: KafkaLog) {
    this.#config = config;
    this.#security = resolveSecurity(config);
    this.#log = log;
  }

  consumer(): GroupConsumer {
    return new PlatformaticConsumer(this.#config, this.#security, this.#log);
  }

  producer(): Producer {
    return new PlatformaticProducer(this.#config, this.#security, this.#log);
  }

  transactionalProducer(transactionalId: string, options?: TransactionalOptions): TransactionalProducer {
    return new PlatformaticTransactionalProducer(this.#config, this.#security, this.#log, transactionalId, options);
  }

  admin(): Admin {
    return new PlatformaticAdmin(this.#config, this.#security, this.#log);
  }
}
