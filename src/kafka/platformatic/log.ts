/**
 * @platformatic/kafka has no logger: it reports through events (and the `debug` module). These route the
 * events that matter to the KafkaLog at levels an operator can alert on: a rebalance, a rejoin or a
 * broker connection closing is routine (info/debug); a heartbeat failure or a broker that cannot be
 * reached is a warning while the client retries. Errors are left to whoever gives up (handlers.error
 * with fatal, or a rejected call), so a scale event never shows as an error.
 * Membership events (join, rebalance, leave, lost) are logged in membership.ts.
 */
import type { Base, ConnectionPool, Consumer } from '@platformatic/kafka';
import type { KafkaLog } from '../client.ts';

function address(broker: { readonly host: string; readonly port: number }): string {
  return `${broker.host}:${broker.port}`;
}

type BrokerEvent = (payload: { broker: { host: string; port: number } }) => void;

/**
 * One warning when a broker stops accepting connections and one line when it is back; the library
 * tries again every few hundred milliseconds, and each attempt in between is debug.
 */
function brokerListeners(log: KafkaLog, role: string): { connect: BrokerEvent; failed: BrokerEvent; disconnect: BrokerEvent } {
  const failing = new Set<string>();
  return {
    connect: ({ broker }) => {
      if (failing.delete(address(broker))) log.info({ role, broker: address(broker) }, 'kafka broker reachable again');
    },
    failed: ({ broker }) => {
      const where = address(broker);
      if (failing.has(where)) log.debug({ role, broker: where }, 'kafka broker connection failed again');
      else log.warn({ role, broker: where }, 'kafka broker connection failed; retrying');
      failing.add(where);
    },
    disconnect: ({ broker }) => log.debug({ role, broker: address(broker) }, 'kafka broker connection closed'),
  };
}

/** A client's own connections (the library forwards its pool's events as client:broker:*). */
export function logClientEvents(client: Base, log: KafkaLog, role: string): void {
  const on = brokerListeners(log, role);
  client.on('client:broker:connect', on.connect);
  client.on('client:broker:failed', on.failed);
  client.on('client:broker:disconnect', on.disconnect);
}

/** A pool the adapter made itself (the consumer's fetch connections). */
export function logPoolEvents(pool: ConnectionPool, log: KafkaLog, role: string): void {
  const on = brokerListeners(log, role);
  pool.on('connect', on.connect);
  pool.on('failed', on.failed);
  pool.on('disconnect', on.disconnect);
}

export function logHeartbeatEvents(consumer: Consumer, log: KafkaLog): void {
  consumer.on('consumer:heartbeat:error', ({ error }) => log.warn({ groupId: consumer.groupId, err: error }, 'kafka heartbeat failed; retrying'));
  consumer.on('consumer:heartbeat:stalled', (payload) =>
    log.warn({ groupId: consumer.groupId, stalledForMs: payload.stalledFor, err: payload.lastError }, 'kafka heartbeats stalled'),
  );
}
