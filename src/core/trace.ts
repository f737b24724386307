/**
 * What the stages see of tracing (tracing.enabled): a port, so intake, the model stage and delivery
 * carry trace context without importing OpenTelemetry (observability/tracing/ implements it). With
 * tracing off nothing of this is called; with it on, a record that starts no sampled span and brings no
 * trace context costs one scan of its headers and nothing else.
 */
import type { ConsumedRecord, Header } from '../kafka/client.ts';

/** A record's trace context as its outputs carry it. */
export interface RecordTrace {
  /**
   * The `traceparent` (and `tracestate`) headers of every record this input produces: its own span's
   * when sampled, otherwise the input's, byte for byte.
   */
  readonly headers: readonly Header[];
  /** The record has a span of its own (its output headers name it as the parent). */
  readonly sampled: boolean;
}

/** Anything that carries a record's trace: Work, an outcome's source. */
export interface Traced {
  readonly trace?: RecordTrace | undefined;
}

/**
 * What a worker measured of one batch (RecordsScoredReply, FlowScoredReply): milliseconds per step and,
 * when known, when it started (epoch milliseconds, fractional).
 */
export interface WorkerPhases {
  readonly startedAt?: number | undefined;
  readonly decodeMs: number;
  /** A flow's enrichment from Redis, retries included; absent without one. */
  readonly enrichMs?: number;
  readonly inferMs: number;
  readonly encodeMs: number;
  readonly hookMs?: Readonly<Record<string, number>>;
}

/** A batch with at least one sampled record, between its dispatch and its workers' replies. */
export interface BatchTrace {
  /** A step measured on the main thread (epoch milliseconds), as a child of the batch span. */
  phase(name: string, startMs: number, endMs: number): void;
  /** The replies came back (one per part scored: bisecting splits a batch); its outcomes go to delivery now. */
  scored(parts: readonly { readonly reply: WorkerPhases }[]): void;
  /** Scoring failed as a whole (a bug); the records go to the dead-letter topic. */
  failed(error: unknown): void;
}

export interface PipelineTracing {
  /** At admission: undefined for a record that is not sampled and carries no context (nothing to pass on). */
  admit(record: ConsumedRecord, topic: string, partition: number): RecordTrace | undefined;
  /** A batch is dispatched: undefined when none of its records is sampled. */
  batch(lane: string, items: readonly Traced[]): BatchTrace | undefined;
  /** The brokers acknowledged these outcomes (kind: prediction or dead-letter; tag: model id or reason): their records' spans end. */
  acknowledged(outcomes: readonly { readonly source: Traced; readonly kind: string; readonly tag: string }[]): void;
}
