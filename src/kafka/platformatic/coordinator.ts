/**
 * Requests to a group coordinator sent straight through the library's API functions, for the two group
 * requests whose library wrappers do the wrong thing here:
 * - Consumer#commit (consumer.js #commit) rejoins the group on a rejoin error and sends the same offsets
 *   again under the new generation: offsets of partitions this member may no longer own. Commits from
 *   this adapter are sent once per generation, checked against ownership right before they leave.
 * - Transaction#addOffset (transaction.js) sends one TxnOffsetCommit per message, deduplicated under one
 *   key, so concurrent calls drop offsets; a transaction's offsets go here in one request.
 *
 * The building blocks are the library's own exported protected symbols (kGetApi, kGetConnection,
 * kGetBootstrapConnection from clients/base): version negotiation, connections, TLS and SASL stay the
 * library's. The coordinator is looked up once and again after NOT_COORDINATOR and the like.
 */
import { setTimeout as delay } from 'node:timers/promises';
import {
  type API,
  type Base,
  type Callback,
  type Connection,
  FindCoordinatorKeyTypes,
  type findCoordinatorV6,
  kGetApi,
  kGetBootstrapConnection,
  kGetConnection,
} from '@platformatic/kafka';
import { COORDINATOR_MOVED, hasProtocolError, isRetryableNetwork } from './errors.ts';
import { retryDelay } from './options.ts';

const ATTEMPTS = 3;

type FindCoordinatorResponse = findCoordinatorV6.FindCoordinatorResponse;

export function promised<T>(start: (callback: Callback<T>) => void): Promise<T> {
  return new Promise((resolve, reject) => start((error, value) => (error ? reject(error) : resolve(value as T))));
}

/** The highest version of `name` both sides speak (base.js kGetApi). */
export function libraryApi<Args extends unknown[], Response>(client: Base, name: string): Promise<API<Args, Response>> {
  return promised((callback) => client[kGetApi]<Args, Response>(name, callback));
}

async function connectionTo(client: Base, node: number): Promise<Connection> {
  let metadata = await client.metadata({ topics: [] });
  if (!metadata.brokers.has(node)) metadata = await client.metadata({ topics: [], forceUpdate: true });
  const broker = metadata.brokers.get(node);
  if (broker === undefined) throw new Error(`coordinator node ${node} is not in the cluster metadata`);
  return promised((callback) => client[kGetConnection](broker, callback));
}

async function findCoordinator(client: Base, keyType: number, key: string): Promise<number> {
  const connection = await promised<Connection>((callback) => client[kGetBootstrapConnection](callback));
  const api = await libraryApi<[number, string[]], FindCoordinatorResponse>(client, 'FindCoordinator');
  const { coordinators } = await api.async(connection, keyType, [key]);
  // Before v4 the response carries one coordinator and no key (consumer.js does the same).
  const found = coordinators.find((c) => c.key === key) ?? (api.version < 4 ? coordinators[0] : undefined);
  if (found === undefined) throw new Error(`no coordinator found for "${key}"`);
  return found.nodeId;
}

/** Sends requests to one group's coordinator, finding it again when it moves. */
export class GroupCoordinator {
  readonly #client: Base;
  readonly #groupId: string;
  #node: number | undefined;

  constructor(client: Base, groupId: string) {
    this.#client = client;
    this.#groupId = groupId;
  }

  /**
   * Runs `send` with a connection to the coordinator, up to 3 times while the coordinator moves or the
   * connection fails. `send` runs from the start on every attempt, so what it checks synchronously
   * before its request leaves (ownership, generation) is checked again each time.
   */
  async request<T>(send: (connection: Connection) => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      try {
        this.#node ??= await findCoordinator(this.#client, FindCoordinatorKeyTypes.GROUP, this.#groupId);
        return await send(await connectionTo(this.#client, this.#node));
      } catch (error) {
        const moved = hasProtocolError(error, COORDINATOR_MOVED) || isRetryableNetwork(error);
        if (!moved || attempt >= ATTEMPTS || this.#client.closed) throw error;
        this.#node = undefined;
        await delay(retryDelay(this.#client, 'coordinator', attempt, ATTEMPTS, error as Error));
      }
    }
  }
}
