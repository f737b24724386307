/**
 * One error base for the whole service. Code routes on `code` and `retryable`, never on messages.
 * Every code is declared here once; test/unit/errors.test.ts pins that each has a description.
 */

export const ERROR_CODES = {
  SCORER_ERR_CONFIG: 'configuration file or environment override is invalid',
  SCORER_ERR_MODEL_LOAD: 'a model could not be loaded from the repository',
  SCORER_ERR_FEATURE_SPEC: 'a feature spec does not match the model it feeds',
  SCORER_ERR_SCHEMA_REGISTRY: 'the schema registry could not be reached or refused a request',
  SCORER_ERR_ENCODE: 'a prediction does not match the output schema it is encoded with',
  SCORER_ERR_INFERENCE: 'inference failed for a batch',
  SCORER_ERR_WORKER_CRASH: 'an inference worker thread died while it held a batch',
  SCORER_ERR_KAFKA: 'a Kafka request failed',
  SCORER_ERR_SHUTDOWN_TIMEOUT: 'graceful shutdown did not finish before its deadline',
  SCORER_ERR_INVARIANT: 'an internal invariant was broken: a bug in the caller, not bad input',
} as const;

export type ErrorCode = keyof typeof ERROR_CODES;

export interface ScorerErrorOptions {
  retryable?: boolean;
  cause?: unknown;
  /** Structured detail for logs (the offending setting, field, topic...). */
  details?: Record<string, unknown>;
}

export class ScorerError extends Error {
  readonly code: ErrorCode;
  readonly retryable: boolean;
  readonly details: Record<string, unknown>;

  constructor(code: ErrorCode, message: string, options: ScorerErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'ScorerError';
    this.code = code;
    this.retryable = options.retryable ?? false;
    this.details = options.details ?? {};
  }
}

export function isScorerError(err: unknown, code?: ErrorCode): err is ScorerError {
  return err instanceof ScorerError && (code === undefined || err.code === code);
}

/** Reason codes carried in the `scorer.error.reason` header of dead-letter records. */
export const DLQ_REASONS = {
  TOMBSTONE: 'record has a null value',
  OVERSIZED: 'record value is larger than limits.maxRecordBytes',
  BAD_MAGIC_BYTE: 'Avro value does not start with the Confluent wire-format magic byte 0',
  UNKNOWN_SCHEMA_ID: 'the schema registry has no schema with the id in the record',
  AVRO_DECODE: 'Avro bytes could not be decoded with the writer schema (truncated or corrupt)',
  JSON_DECODE: 'value is not valid JSON or not a JSON object',
  MISSING_FEATURE: 'a required feature field is missing or null',
  FEATURE_TYPE: 'a feature field has the wrong type for its tensor',
  NON_FINITE: 'a numeric feature is NaN or Infinity',
  FEATURE_TOO_LONG: 'a string feature is longer than limits.maxStringFeatureLength',
  FEATURE_PRECISION: 'a long feature beyond ±2^53 feeds a float32 input, which cannot hold it exactly',
  NO_MODEL: 'no model is routed for this record',
  SKIPPED: "a flow's preprocess hook skipped the record (the message carries the hook's reason)",
  HOOK_FAILED: 'a hook threw on the batch this record was in (the message names the hook and the error)',
  INFERENCE_FAILED: 'the model failed on this record alone (isolated by bisecting its batch)',
  ENCODE_FAILED: 'the prediction does not fit the output schema (the message names the field)',
  INTERNAL_ERROR: 'the scorer failed on this record for a reason other than its content (a bug; redrive once fixed)',
} as const;

export type DlqReason = keyof typeof DLQ_REASONS;

export const isDlqReason = (code: string): code is DlqReason => Object.hasOwn(DLQ_REASONS, code);

/** A record-level failure: the record goes to the dead-letter topic, the stream goes on. */
export class RecordError extends Error {
  readonly reason: DlqReason;
  constructor(reason: DlqReason, message: string) {
    super(message);
    this.name = 'RecordError';
    this.reason = reason;
  }
}
