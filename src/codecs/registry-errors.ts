/**
 * Sorting schema registry client failures into "this record is bad" and "the registry is unwell".
 *
 * @kafkajs/confluent-schema-registry 4.1.0 rejects with a ResponseError carrying the HTTP `status`.
 * mappersmith reports transport failures (ECONNREFUSED, resets, timeouts) as status 400 with the socket
 * error's text ("Confluent_Schema_Registry - Error, status 400: connect ECONNREFUSED 127.0.0.1:8081"),
 * although no HTTP reply came: those are told apart by that text and reported as unreachable.
 */

import { ScorerError } from '../errors.ts';

/** HTTP status of a client error, or undefined when the error did not come from an HTTP exchange. */
export function httpStatusOf(err: unknown): number | undefined {
  if (typeof err !== 'object' || err === null || !('status' in err)) return undefined;
  const status = (err as { status: unknown }).status;
  return typeof status === 'number' ? status : undefined;
}

const SOCKET_ERROR =
  /\b(?:connect |getaddrinfo |read |write )?(?:ECONNREFUSED|ECONNRESET|ETIMEDOUT|EHOSTUNREACH|ENETUNREACH|ENOTFOUND|EAI_AGAIN|EPIPE)\b[^,;]*|socket hang up/;

/** The socket error behind a failure that never got an HTTP reply; undefined when a reply came. */
export function transportFailure(err: unknown): string | undefined {
  const text = err instanceof Error ? err.message : String(err);
  return SOCKET_ERROR.exec(text)?.[0]?.trim();
}

/** Credentials and permissions do not fix themselves; transport failures, 5xx and 429 may. */
function isRetryableStatus(status: number): boolean {
  return status !== 401 && status !== 403;
}

/** `registry` names it (the URL) in the message. The raw client error stays in `details`, not the message. */
export function registryFailure(action: string, err: unknown, registry = 'the schema registry'): ScorerError {
  const transport = transportFailure(err);
  if (transport !== undefined) {
    return new ScorerError('SCORER_ERR_SCHEMA_REGISTRY', `${registry} is unreachable (${transport}) while ${action}`, {
      retryable: true,
      details: { unreachable: transport },
    });
  }
  const status = httpStatusOf(err);
  const reason = err instanceof Error ? err.message : String(err);
  return new ScorerError('SCORER_ERR_SCHEMA_REGISTRY', `${registry}: ${action} failed: ${reason}`, {
    retryable: status !== undefined && isRetryableStatus(status),
    details: status === undefined ? {} : { status },
  });
}
