/**
 * The naive scorer's own small kafkajs code: a client, consumer and producer with the scorer's settings
 * (its configuration's timeouts, fetch sizes and producer settings). The naive scorer stands for a
 * hand-written consumer, so it does not use the product's Kafka interface; the pass-through does.
 */
import { type Consumer, Kafka, logLevel, type Producer } from 'kafkajs';
import { announceReady, exitOnFailure, log, logError, type SubjectContext } from './common.ts';

export interface KafkajsClients {
  readonly kafka: Kafka;
  readonly consumer: Consumer;
  readonly producer: Producer;
}

/** The consumer announces ready on its first GROUP_JOIN and ends the process if kafkajs gives up. */
export function kafkajsClients(ctx: SubjectContext): KafkajsClients {
  const k = ctx.config.kafka;
  const kafka = new Kafka({
    clientId: k.clientId,
    brokers: [...k.brokers],
    connectionTimeout: k.connectionTimeoutMs,
    requestTimeout: k.requestTimeoutMs,
    logLevel: logLevel.WARN,
    logCreator: () => (entry) => log(entry.level === logLevel.ERROR ? 'error' : 'warn', { kafkajs: entry.log }, entry.log.message),
    retry: { initialRetryTime: 100, retries: 8, maxRetryTime: 5000 },
  });
  const { consumer: c } = ctx.config.kafka;
  const consumer = kafka.consumer({
    groupId: ctx.config.kafka.groupId,
    sessionTimeout: c.sessionTimeoutMs,
    rebalanceTimeout: c.rebalanceTimeoutMs,
    heartbeatInterval: c.heartbeatIntervalMs,
    maxBytesPerPartition: c.maxBytesPerPartition,
    maxBytes: c.maxBytes,
    maxWaitTimeInMs: c.maxWaitTimeMs,
    allowAutoTopicCreation: false,
  });
  consumer.on(consumer.events.GROUP_JOIN, announceReady);
  consumer.on(consumer.events.CRASH, (event) => {
    if (!event.payload.restart) exitOnFailure(ctx.name, event.payload.error);
    logError(`${ctx.name}: consumer crashed; kafkajs restarts it`, event.payload.error);
  });
  const producer = kafka.producer({ allowAutoTopicCreation: false, maxInFlightRequests: 1 });
  return { kafka, consumer, producer };
}

/** Connects, subscribes to the input topic from the earliest offset (for a new group) as the scorer does. */
export async function connectKafkajs(ctx: SubjectContext, { consumer, producer }: KafkajsClients): Promise<void> {
  await producer.connect();
  await consumer.connect();
  await consumer.subscribe({ topics: [ctx.args.inputTopic], fromBeginning: ctx.config.kafka.consumer.fromBeginning });
}
