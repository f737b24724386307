/**
 * The library options every @platformatic/kafka client here is built from: brokers, timeouts, retries,
 * and the TLS and SASL settings of resolveSecurity, so that every connection (consumer, its fetch pool,
 * producer, admin) authenticates the same way.
 *
 * Two library facts shape the numbers (node_modules/@platformatic/kafka/dist):
 * - `requestTimeout` is the connection's per-request timer (network/connection.js), while `timeout` is
 *   sent to the broker as the produce acks timeout and as InitProducerId's transaction timeout
 *   (clients/producer/producer.js). Both follow kafka.requestTimeoutMs.
 * - `retries`/`retryDelay` apply to every operation of a client (kPerformWithRetry in base.js), and the
 *   classic JoinGroup is retried `retries` times on rejoin errors (#retryJoinGroup in consumer.js).
 */
import {
  type BaseOptions,
  CONSUMER_PROTOCOL_HIGHEST_VERSION,
  COOPERATIVE_STICKY_ASSIGNOR,
  type ConnectionOptions,
  type ConsumerOptions,
  FetchIsolationLevels,
  type GroupOptions,
  type GroupProtocolSubscription,
  type RetryDelayGetter,
  ROUNDROBIN_ASSIGNOR,
  type SASLOptions,
} from '@platformatic/kafka';
import type { KafkaConfig } from '../../config/types.ts';
import { backoffDelay } from '../../core/backoff.ts';
import type { KafkaSecurity, SaslCredentials } from '../security.ts';

/** Attempts per library operation; the adapter retries above this where it must go on (fetch, join). */
export const LIBRARY_RETRIES = 5;

/** 100, 200, 400 ... ms, capped at 2 s, with jitter (core/backoff.ts) so a restarted broker is not hit in step. */
export const retryDelay: RetryDelayGetter = (_client, _operation, attempt) => backoffDelay({ initialMs: 100, maxMs: 2000 }, attempt);

function sasl(credentials: SaslCredentials): SASLOptions {
  const { username, password } = credentials;
  switch (credentials.mechanism) {
    case 'plain':
      return { mechanism: 'PLAIN', username, password };
    case 'scram-sha-256':
      return { mechanism: 'SCRAM-SHA-256', username, password };
    case 'scram-sha-512':
      return { mechanism: 'SCRAM-SHA-512', username, password };
  }
}

/** Options shared by every client; `requestTimeout` may be raised by the consumer (see consumer.ts). */
export function baseOptions(config: KafkaConfig, security: KafkaSecurity, requestTimeout = config.requestTimeoutMs): BaseOptions {
  return {
    clientId: config.clientId,
    bootstrapBrokers: [...config.brokers],
    connectTimeout: config.connectionTimeoutMs,
    requestTimeout,
    timeout: config.requestTimeoutMs,
    retries: LIBRARY_RETRIES,
    retryDelay,
    ...(security.tls === undefined ? {} : { tls: security.tls }),
    ...(security.sasl === undefined ? {} : { sasl: sasl(security.sasl) }),
  };
}

/** For a pool the adapter makes itself: the same connections, TLS and SASL as the client's own. */
export function connectionOptions(config: KafkaConfig, security: KafkaSecurity): ConnectionOptions {
  const { connectTimeout, requestTimeout, tls, sasl: credentials } = baseOptions(config, security);
  return { connectTimeout, requestTimeout, ...(tls === undefined ? {} : { tls }), ...(credentials === undefined ? {} : { sasl: credentials }) };
}

export function groupOptions(config: KafkaConfig): GroupOptions {
  const c = config.consumer;
  return { sessionTimeout: c.sessionTimeoutMs, rebalanceTimeout: c.rebalanceTimeoutMs, heartbeatInterval: c.heartbeatIntervalMs };
}

/**
 * The assignor JoinGroup offers, which is what makes a rebalance eager or cooperative on the classic
 * protocol: the library runs the cooperative-sticky one (KIP-429, consumer.js #completeClassicSyncGroup)
 * as two rounds, where a member first keeps what it owns, and gives up only what moved before the second
 * JoinGroup. Version 3 of the subscription carries the owned partitions and their generation (KIP-792).
 */
export function assignorProtocols(config: KafkaConfig): GroupProtocolSubscription[] {
  return config.groupProtocol === 'cooperative'
    ? [{ name: COOPERATIVE_STICKY_ASSIGNOR, version: CONSUMER_PROTOCOL_HIGHEST_VERSION }]
    : [{ name: ROUNDROBIN_ASSIGNOR, version: 1 }];
}

/**
 * The group member. `protocolsMetadata` is the hook awaited before every JoinGroup (membership.ts), set
 * here rather than per joinGroup() call so that rejoins the library starts itself use it too
 * (consumer.js joinGroup falls back to these options).
 */
export function consumerOptions(
  config: KafkaConfig,
  security: KafkaSecurity,
  beforeJoin: () => Promise<Buffer>,
): ConsumerOptions<Buffer, Buffer, Buffer, Buffer> {
  const c = config.consumer;
  // JoinGroup is answered once every member rejoined, up to rebalanceTimeout later; the group
  // connection waits that long, as the Java consumer does for JoinGroup.
  const groupRequestTimeout = Math.max(config.requestTimeoutMs, c.rebalanceTimeoutMs + 5000);
  return {
    ...baseOptions(config, security, groupRequestTimeout),
    ...groupOptions(config),
    groupId: config.groupId,
    ...(config.groupInstanceId === undefined ? {} : { groupInstanceId: config.groupInstanceId }),
    protocols: assignorProtocols(config),
    autocommit: false,
    minBytes: 1,
    maxBytes: c.maxBytes,
    maxWaitTime: c.maxWaitTimeMs,
    isolationLevel: FetchIsolationLevels.READ_COMMITTED,
    protocolsMetadata: beforeJoin,
  };
}
