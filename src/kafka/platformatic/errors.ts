/**
 * Reading @platformatic/kafka errors. A failed request arrives as a ResponseError (a MultipleErrors whose
 * `errors` are ProtocolErrors with an `apiId` such as 'OFFSET_OUT_OF_RANGE', and whose `response` is the
 * whole decoded response), often wrapped again in a MultipleErrors by the retry loop (errors.js,
 * base.js kPerformWithRetry). These helpers walk that tree once, so callers route on ids, not messages.
 */
import { causes } from '../connect-errors.ts';

/** Every protocol error id in the tree. */
export function protocolIds(error: unknown): Set<string> {
  const ids = new Set<string>();
  for (const cause of causes(error)) {
    const id = (cause as { apiId?: unknown }).apiId;
    if (typeof id === 'string') ids.add(id);
  }
  return ids;
}

export function hasProtocolError(error: unknown, ids: readonly string[]): boolean {
  const found = protocolIds(error);
  return ids.some((id) => found.has(id));
}

/** The decoded response a ResponseError carries (the last one, when retries wrapped several). */
export function responseOf<T>(error: unknown): T | undefined {
  let response: T | undefined;
  for (const cause of causes(error)) {
    const candidate = (cause as { response?: unknown }).response;
    if (candidate !== undefined && candidate !== null) response = candidate as T;
  }
  return response;
}

/** The library's "Client is closed." error: the client was closed under a pending call. */
export function isClosedError(error: unknown): boolean {
  for (const cause of causes(error)) if ((cause as { closed?: unknown }).closed === true) return true;
  return false;
}

/** Leadership moved or metadata is stale: refresh metadata and fetch again (consumer.js #fetch). */
export const STALE_LEADER = [
  'NOT_LEADER_OR_FOLLOWER',
  'LEADER_NOT_AVAILABLE',
  'FENCED_LEADER_EPOCH',
  'UNKNOWN_LEADER_EPOCH',
  'REPLICA_NOT_AVAILABLE',
  'UNKNOWN_TOPIC_OR_PARTITION',
  'UNKNOWN_TOPIC_ID',
  'INCONSISTENT_TOPIC_ID',
  'KAFKA_STORAGE_ERROR',
] as const;

/** The group coordinator moved or is loading: find it again and retry. */
export const COORDINATOR_MOVED = ['NOT_COORDINATOR', 'COORDINATOR_NOT_AVAILABLE', 'COORDINATOR_LOAD_IN_PROGRESS'] as const;

/** This member's generation is over: a commit under it must not be retried under another one. */
export const GENERATION_OVER = ['UNKNOWN_MEMBER_ID', 'ILLEGAL_GENERATION', 'REBALANCE_IN_PROGRESS', 'FENCED_INSTANCE_ID'] as const;

/** A network error the library marked retryable (connection refused, reset, timed out). */
export function isRetryableNetwork(error: unknown): boolean {
  for (const cause of causes(error)) {
    const c = cause as { code?: unknown; canRetry?: unknown };
    if (c.code === 'PLT_KFK_NETWORK' && c.canRetry === true) return true;
    if (typeof c.code === 'string' && ['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT'].includes(c.code)) return true;
  }
  return false;
}
