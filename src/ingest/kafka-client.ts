/**
 * The one place a kafkajs client is built. ingest/ and sink/ share it; nothing else imports kafkajs, so a
 * faster client can be measured against it later by swapping this folder and sink/.
 */
import { Kafka, type LogEntry, logLevel } from 'kafkajs';
import type { KafkaConfig } from '../config/types.ts';

export interface KafkaLogSink {
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

/** kafkajs logs through its own creator; route warnings and errors into ours, drop the chatter. */
function logCreator(sink: KafkaLogSink) {
  return () =>
    ({ level, log }: LogEntry) => {
      const { message, ...rest } = log;
      if (level === logLevel.ERROR) sink.error({ kafkajs: rest }, message);
      else if (level === logLevel.WARN) sink.warn({ kafkajs: rest }, message);
    };
}

export function createKafka(config: KafkaConfig, logs: KafkaLogSink): Kafka {
  return new Kafka({
    clientId: config.clientId,
    brokers: [...config.brokers],
    connectionTimeout: config.connectionTimeoutMs,
    requestTimeout: config.requestTimeoutMs,
    logLevel: logLevel.WARN,
    logCreator: logCreator(logs),
    // Retries on the client keep a broker restart from surfacing as a crash; the pipeline retries forever
    // above this, so these only bound a single request.
    retry: { initialRetryTime: 100, retries: 8, maxRetryTime: 5000 },
  });
}
