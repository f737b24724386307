/**
 * Sorting schema registry client failures into "this record is bad" and "the registry is unwell".
 *
 * @kafkajs/confluent-schema-registry 4.1.0 rejects with a ResponseError carrying the HTTP `status`.
 * mappersmith reports transport failures (ECONNREFUSED, resets, timeouts) as status 400 with the socket
 * error's message, so 400 cannot mean "bad request" here and counts as a transport failure.
 */

import { ScorerError } from '../errors.ts';

/** HTTP status of a client error, or undefined when the error did not come from an HTTP exchange. */
export function httpStatusOf(err: unknown): number | undefined {
  if (typeof err !== 'object' || err === null || !('status' in err)) return undefined;
  const status = (err as { status: unknown }).status;
  return typeof status === 'number' ? status : undefined;
}

/** Credentials and permissions do not fix themselves; transport failures, 5xx and 429 may. */
function isRetryableStatus(status: number): boolean {
  return status !== 401 && status !== 403;
}

export function registryFailure(action: string, err: unknown): ScorerError {
  const status = httpStatusOf(err);
  const reason = err instanceof Error ? err.message : String(err);
  return new ScorerError('SCORER_ERR_SCHEMA_REGISTRY', `schema registry: ${action} failed: ${reason}`, {
    retryable: status !== undefined && isRetryableStatus(status),
    cause: err,
    details: status === undefined ? {} : { status },
  });
}
