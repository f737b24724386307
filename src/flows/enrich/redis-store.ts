/**
 * The enrichment's one connection to Redis, per flow and worker thread, and the only file that imports
 * node-redis. A fetch is one round trip: one MGET for every JSON key, and an HMGET per hash key issued
 * in the same tick, which node-redis writes to the socket together (its per-command replies keep a key
 * of the wrong type, WRONGTYPE, from failing the others, as an error inside a MULTI pipeline would).
 *
 * A round trip that fails or outlasts timeoutMs closes the connection: a late reply would be for
 * nobody, and the commands of a Redis that stopped answering must not pile up in the client's queue
 * while the batch is handed back and retried. The next fetch connects again (no offline queue, no
 * reconnect loop of the client's own: the retry policy is the stage's).
 */
import { createClient, ErrorReply } from 'redis';
import type { EnrichStore, StoreRequest } from './store.ts';
import { StoreUnavailable } from './store.ts';
import { type Stored, storedJson } from './stored.ts';

function connectClient(url: string, timeoutMs: number) {
  return createClient({ url, disableOfflineQueue: true, socket: { connectTimeout: timeoutMs, reconnectStrategy: false } });
}

type Client = ReturnType<typeof connectClient>;

const messageOf = (error: unknown): string => (error instanceof Error ? error.message : String(error));

function withTimeout<T>(work: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new StoreUnavailable(`${what} took longer than ${ms} ms`, true)), ms);
  });
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}

export class RedisStore implements EnrichStore {
  readonly #url: string;
  readonly #timeoutMs: number;
  #client: Client | undefined;
  #connecting: Promise<Client> | undefined;

  constructor(url: string, timeoutMs: number) {
    this.#url = url;
    this.#timeoutMs = timeoutMs;
  }

  async fetch(requests: readonly StoreRequest[]): Promise<Stored[]> {
    const client = await this.#connected();
    try {
      return await withTimeout(this.#roundTrip(client, requests), this.#timeoutMs, `a round trip of ${requests.length} keys`);
    } catch (error) {
      this.#drop(client);
      if (error instanceof StoreUnavailable) throw error;
      throw new StoreUnavailable(`redis at ${this.#where()}: ${messageOf(error)}`, false, error);
    }
  }

  async #roundTrip(client: Client, requests: readonly StoreRequest[]): Promise<Stored[]> {
    const jsonAt: number[] = [];
    const hashes: Promise<Stored>[] = [];
    const hashAt: number[] = [];
    requests.forEach(({ lookup, key }, i) => {
      if (lookup.as === 'json') jsonAt.push(i);
      else {
        hashAt.push(i);
        hashes.push(
          client
            .hmGet(
              key,
              lookup.fields.map((f) => f.from),
            )
            .then(
              (values): Stored => ({ kind: 'hash', values }),
              (error: unknown): Stored => {
                if (error instanceof ErrorReply) return { kind: 'problem', problem: `is not a hash (${error.message})` };
                throw error;
              },
            ),
        );
      }
    });
    const json = jsonAt.length === 0 ? Promise.resolve([]) : client.mGet(jsonAt.map((i) => (requests[i] as StoreRequest).key));
    const [texts, hashed] = await Promise.all([json, Promise.all(hashes)]);
    const out = new Array<Stored>(requests.length);
    jsonAt.forEach((at, k) => {
      out[at] = storedJson(texts[k] ?? null);
    });
    hashAt.forEach((at, k) => {
      out[at] = hashed[k] as Stored;
    });
    return out;
  }

  #connected(): Promise<Client> {
    if (this.#client?.isReady === true) return Promise.resolve(this.#client);
    this.#connecting ??= this.#connect().finally(() => {
      this.#connecting = undefined;
    });
    return this.#connecting;
  }

  async #connect(): Promise<Client> {
    const client = connectClient(this.#url, this.#timeoutMs);
    // Errors surface through the fetch that meets them; without a listener node-redis would throw them.
    client.on('error', () => undefined);
    try {
      await withTimeout(client.connect(), this.#timeoutMs, 'connecting');
    } catch (error) {
      this.#drop(client);
      throw error instanceof StoreUnavailable ? error : new StoreUnavailable(`redis at ${this.#where()}: ${messageOf(error)}`, false, error);
    }
    this.#client = client;
    return client;
  }

  #drop(client: Client): void {
    if (this.#client === client) this.#client = undefined;
    if (client.isOpen) client.destroy();
  }

  /** The URL without its password: messages end up in logs. */
  #where(): string {
    return this.#url.replace(/\/\/[^@/]*@/, '//');
  }
}
