/**
 * A broker that refuses the client certificate (mutual TLS) does so after the handshake under TLS 1.3:
 * Node emits 'secureConnect', then the alert as a socket error. The library passes that error only to
 * the connection's 'error' event and fails the pending requests with a bare "Connection closed"
 * (network/connection.js #onError, #onClose), so a failed start would say "metadata failed 6 times"
 * and nothing about certificates. This keeps the last TLS error of a client's connections, so that a
 * failure can carry it to connectFailure, which names it.
 */
import type { Base, Connection, ConnectionPool } from '@platformatic/kafka';
import { causes } from '../connect-errors.ts';

/** An alert older than this has nothing to do with the failure at hand. */
const RECENT_MS = 60_000;

function isTlsError(error: unknown): boolean {
  for (const cause of causes(error)) {
    const code = typeof cause.code === 'string' ? cause.code : '';
    if (code.startsWith('ERR_SSL') || code.startsWith('ERR_TLS')) return true;
  }
  return false;
}

export class TlsErrors {
  #last: { error: Error; at: number } | undefined;
  #waiters: ((error: Error) => void)[] = [];

  watchClient(client: Base): void {
    client.on('client:broker:connect', ({ connection }) => this.#watch(connection));
  }

  watchPool(pool: ConnectionPool): void {
    pool.on('connect', ({ connection }) => this.#watch(connection));
  }

  #watch(connection: Connection): void {
    connection.on('error', (error: Error) => {
      if (!isTlsError(error)) return;
      this.#last = { error, at: Date.now() };
      for (const reject of this.#waiters.splice(0)) reject(error);
    });
  }

  /**
   * Rejects at the next TLS error of a connection, which the library would otherwise retry for tens of
   * seconds (nested metadata and ApiVersions retries) although a refused certificate does not fix
   * itself. `settled` stops the wait.
   */
  refused(settled: Promise<unknown>): Promise<never> {
    return new Promise((_, reject) => {
      this.#waiters.push(reject);
      const forget = () => {
        this.#waiters = this.#waiters.filter((w) => w !== reject);
      };
      settled.then(forget, forget);
    });
  }

  /** `error`, with a recent TLS error of this client's connections beside it. */
  explain(error: unknown): unknown {
    const last = this.#last;
    if (last === undefined || Date.now() - last.at > RECENT_MS || isTlsError(error)) return error;
    return new AggregateError([error, last.error], error instanceof Error ? error.message : String(error));
  }
}
