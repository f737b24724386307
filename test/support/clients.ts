/**
 * The Kafka clients every integration suite runs on: each suite repeats its tests per client, with the
 * client's name in the test's name. CLIENTS=kafkajs (a comma list) narrows a local run; CI runs both.
 */
import type { ClientName } from '../../src/kafka/client.ts';

const ALL: readonly ClientName[] = ['platformatic', 'kafkajs'];
const only = (process.env['CLIENTS'] ?? '').split(',').filter((name) => name !== '');
for (const name of only) {
  if (!ALL.includes(name as ClientName)) throw new Error(`CLIENTS names ${name}; the clients are ${ALL.join(', ')}`);
}

export const CLIENTS: readonly ClientName[] = ALL.filter((name) => only.length === 0 || only.includes(name));

/**
 * What each client offers, as the README's client table says: groupProtocol 'cooperative' with awaited
 * revocation, and kafka.groupInstanceId (config/rules.ts refuses both on kafkajs).
 */
export const COOPERATIVE: Readonly<Record<ClientName, boolean>> = { platformatic: true, kafkajs: false };
export const STATIC_MEMBERSHIP: Readonly<Record<ClientName, boolean>> = { platformatic: true, kafkajs: false };
/** delivery.guarantee exactly-once (config/rules.ts refuses it on kafkajs: no KIP-447). */
export const EXACTLY_ONCE: Readonly<Record<ClientName, boolean>> = { platformatic: true, kafkajs: false };
