/**
 * Producer on @platformatic/kafka: idempotent, so acks=all and one request in flight per connection
 * (the library forces both for idempotence, clients/producer/producer.js constructor), and one send()
 * call carries any mix of topics in array order. Keys go through the library's compatibilityPartitioner,
 * murmur2 masked to 31 bits, the Java client's and kafkajs's DefaultPartitioner: a key lands where a
 * Java producer would put it. That partitioner sends every null key to partition 0 (partitioners.js),
 * so null keys are spread round-robin here, as the Java and kafkajs partitioners do for keyless records.
 *
 * The library retries an idempotent producer forever unless told otherwise (producer.js: retries <= 1
 * becomes MAX_SAFE_INTEGER); LIBRARY_RETRIES bounds it, so a send to unreachable brokers rejects and the
 * ordered sender's own retry and the service's logs see it.
 */
import {
  compatibilityPartitioner,
  Producer as LibraryProducer,
  type MessageToProduce,
  type Partitioner,
  ProduceAcks,
  type ProducerOptions,
} from '@platformatic/kafka';
import type { KafkaConfig } from '../../config/types.ts';
import type { KafkaLog, OutgoingRecord, Producer } from '../client.ts';
import { connectFailure } from '../connect-errors.ts';
import type { KafkaSecurity } from '../security.ts';
import { logClientEvents } from './log.ts';
import { baseOptions } from './options.ts';
import { outgoingMessage } from './records.ts';
import { TlsErrors } from './tls-errors.ts';

/** murmur2 for keys; round-robin per topic for null keys (the library reduces modulo the count). */
function javaCompatiblePartitioner(): Partitioner<Buffer, Buffer, Buffer, Buffer> {
  const next = new Map<string, number>();
  return (message, key) => {
    if (key !== undefined && key !== null) return compatibilityPartitioner(message, key);
    const n = next.get(message.topic) ?? 0;
    next.set(message.topic, (n + 1) & 0x7fffffff);
    return n;
  };
}

export function producerOptions(config: KafkaConfig, security: KafkaSecurity, transactionalId?: string): ProducerOptions<Buffer, Buffer, Buffer, Buffer> {
  return {
    ...baseOptions(config, security),
    idempotent: true,
    acks: ProduceAcks.ALL,
    partitioner: javaCompatiblePartitioner(),
    compression: config.producer.compression,
    autocreateTopics: false,
    ...(transactionalId === undefined ? {} : { transactionalId }),
  };
}

export function outgoingMessages(records: readonly OutgoingRecord[]): MessageToProduce[] {
  return records.map(outgoingMessage);
}

/** A failed send, wrapped so its message names the cause (TLS, SASL, unreachable) and the brokers. */
export function sendFailure(error: unknown, config: KafkaConfig, security: KafkaSecurity): Error {
  return connectFailure('producing', error, config.brokers, security);
}

export class PlatformaticProducer implements Producer {
  readonly #producer: LibraryProducer;
  readonly #config: KafkaConfig;
  readonly #security: KafkaSecurity;
  readonly #tls = new TlsErrors();

  constructor(config: KafkaConfig, security: KafkaSecurity, log: KafkaLog) {
    this.#config = config;
    this.#security = security;
    this.#producer = new LibraryProducer(producerOptions(config, security));
    logClientEvents(this.#producer, log, 'producer');
    this.#tls.watchClient(this.#producer);
  }

  async send(records: readonly OutgoingRecord[]): Promise<void> {
    if (records.length === 0) return;
    try {
      await this.#producer.send({ messages: outgoingMessages(records), acks: ProduceAcks.ALL });
    } catch (error) {
      throw sendFailure(this.#tls.explain(error), this.#config, this.#security);
    }
  }

  close(): Promise<void> {
    return this.#producer.close();
  }
}
