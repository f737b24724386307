/**
 * Turns a client's connection failure into one message an operator can act on. Both clients wrap the
 * real cause (a TLS verification code, a SASL refusal, ECONNREFUSED) in retry or aggregate errors, and
 * each spells it differently, so the causes are walked and classified here once for both adapters.
 */
import { ScorerError } from '../errors.ts';
import { describeSecurity, type KafkaSecurity } from './security.ts';

/** Node's codes for a certificate chain that does not lead to a trusted CA. */
const UNTRUSTED = new Set([
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'CERT_SIGNATURE_FAILURE',
]);

const UNREACHABLE = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'ETIMEDOUT', 'ECONNRESET']);

/** The error and everything it wraps (cause chains, AggregateError-style `errors` lists), depth first. */
export function* causes(error: unknown, depth = 0): Generator<Error & { code?: unknown }> {
  if (!(error instanceof Error) || depth > 8) return;
  yield error;
  yield* causes((error as { cause?: unknown }).cause, depth + 1);
  const nested = (error as { errors?: unknown }).errors;
  if (Array.isArray(nested)) for (const inner of nested) yield* causes(inner, depth + 1);
}

function classify(error: unknown): { kind: 'tls' | 'auth' | 'unreachable' | 'other'; detail: string } {
  for (const cause of causes(error)) {
    const code = typeof cause.code === 'string' ? cause.code : '';
    if (UNTRUSTED.has(code)) return { kind: 'tls', detail: `the broker's certificate is not signed by a trusted CA (${code}); check kafka.tls.caFile` };
    if (code === 'CERT_HAS_EXPIRED') return { kind: 'tls', detail: "the broker's certificate has expired (CERT_HAS_EXPIRED)" };
    if (code === 'ERR_TLS_CERT_ALTNAME_INVALID') {
      return { kind: 'tls', detail: `the broker's certificate does not name the host connected to: ${cause.message} (kafka.tls.checkHostname)` };
    }
    if (code.startsWith('ERR_SSL') || code.startsWith('ERR_TLS')) return { kind: 'tls', detail: `TLS failed: ${cause.message} (${code})` };
    if (/sasl|authentication failed|authenticat/i.test(`${cause.name} ${cause.message}`)) {
      return { kind: 'auth', detail: `authentication failed: ${cause.message}; check kafka.sasl.username and the password` };
    }
  }
  for (const cause of causes(error)) {
    const code = typeof cause.code === 'string' ? cause.code : '';
    if (UNREACHABLE.has(code)) return { kind: 'unreachable', detail: `brokers unreachable: ${cause.message}` };
  }
  return { kind: 'other', detail: error instanceof Error ? error.message : String(error) };
}

/**
 * SCORER_ERR_KAFKA for a failed connect, join or admin call. Retryable only when the brokers could not
 * be reached: a refused password or an untrusted certificate does not fix itself.
 */
export function connectFailure(action: string, error: unknown, brokers: readonly string[], security: KafkaSecurity): ScorerError {
  const { kind, detail } = classify(error);
  return new ScorerError('SCORER_ERR_KAFKA', `${action} on ${brokers.join(',')} (${describeSecurity(security)}) failed: ${detail}`, {
    cause: error,
    retryable: kind === 'unreachable' || kind === 'other',
    details: { brokers, kind },
  });
}

/** Both adapters' refusal of an admin call about a topic that does not exist (auto-creation is off). */
export function missingTopic(topic: string): ScorerError {
  return new ScorerError('SCORER_ERR_KAFKA', `topic ${topic} does not exist`, { details: { missing: [topic] } });
}
