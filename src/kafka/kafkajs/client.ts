/** KafkaClient on kafkajs 2.2.4: the client the product was specified with (unmaintained, tulios/kafkajs#1603). */
import { Kafka, type KafkaConfig as KjsConfig, logLevel, type SASLOptions } from 'kafkajs';
import type { KafkaConfig } from '../../config/types.ts';
import type { Admin, GroupConsumer, KafkaClient, KafkaLog, Producer, TransactionalOptions, TransactionalProducer } from '../client.ts';
import { type KafkaSecurity, resolveSecurity } from '../security.ts';
import { KafkajsAdmin } from './admin.ts';
import { KafkajsConsumer } from './consumer.ts';
import { logCreator } from './log.ts';
import { KafkajsProducer, KafkajsTransactionalProducer } from './producer.ts';

function sasl(security: KafkaSecurity): { sasl?: SASLOptions } {
  const { sasl: credentials } = security;
  if (credentials === undefined) return {};
  const { username, password } = credentials;
  // A switch, not a cast: kafkajs types each mechanism as its own literal.
  switch (credentials.mechanism) {
    case 'plain':
      return { sasl: { mechanism: 'plain', username, password } };
    case 'scram-sha-256':
      return { sasl: { mechanism: 'scram-sha-256', username, password } };
    case 'scram-sha-512':
      return { sasl: { mechanism: 'scram-sha-512', username, password } };
  }
}

/**
 * The consumer's retries ride out a broker outage of up to about two minutes, retrying at least every
 * second, so a member that keeps its member id rejoins within seconds of the broker being back. With
 * the client's retries (about 16 s) every member crashed during a broker restart, and kafkajs restarts
 * a crashed consumer as a new member: the group then waits out the old member's session
 * (kafka.consumer.sessionTimeoutMs) before it assigns anything, 33 s at the default settings. A member
 * can still crash when its connection closes mid-fetch (KafkaJSNoBrokerAvailableError; kafkajs gives up
 * at once); its old member id then leaves the group before the new one joins (kafkajs/stale-member.ts).
 */
const CONSUMER_RETRY = { initialRetryTime: 100, retries: 120, maxRetryTime: 1000 };

export class KafkajsClient implements KafkaClient {
  readonly name = 'kafkajs';
  readonly #kafka: Kafka;
  readonly #consumerKafka: Kafka;
  readonly #config: KafkaConfig;
  readonly #security: KafkaSecurity;

  constructor(config: KafkaConfig, log: KafkaLog) {
    this.#config = config;
    this.#security = resolveSecurity(config);
    const options: KjsConfig = {
      clientId: config.clientId,
      brokers: [...config.brokers],
      connectionTimeout: config.connectionTimeoutMs,
      requestTimeout: config.requestTimeoutMs,
      logLevel: logLevel.WARN,
      logCreator: logCreator(log),
      // Client retries keep a broker restart from surfacing as a crash; the service retries forever
      // above this, so these only bound a single request.
      retry: { initialRetryTime: 100, retries: 8, maxRetryTime: 5000 },
      ...(this.#security.tls === undefined ? {} : { ssl: this.#security.tls }),
      ...sasl(this.#security),
    };
    this.#kafka = new Kafka(options);
    this.#consumerKafka = new Kafka({ ...options, retry: CONSUMER_RETRY });
  }

  consumer(): GroupConsumer {
    return new KafkajsConsumer(this.#kafka, this.#consumerKafka, this.#config, this.#security);
  }

  producer(): Producer {
    return new KafkajsProducer(this.#kafka, this.#config, this.#security);
  }

  transactionalProducer(transactionalId: string, options?: TransactionalOptions): TransactionalProducer {
    return new KafkajsTransactionalProducer(this.#kafka, this.#config, this.#security, transactionalId, options);
  }

  admin(): Admin {
    return new KafkajsAdmin(this.#kafka, this.#config, this.#security);
  }
}
