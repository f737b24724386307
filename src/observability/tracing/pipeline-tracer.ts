/**
 * The tracing the stages call (core/trace.ts), on an OpenTelemetry tracer. A sampled record gets a span
 * from admission to the acknowledgement of its outputs, a child of the context in its `traceparent`
 * header or the root of a new trace, with children for its wait in the batcher ("batch wait") and its
 * send ("produce"). Batching breaks parent-child: a batch holding sampled records gets a span of its own,
 * in a trace of its own, linked to those records' spans, with the steps its worker measured as children
 * (decode, hooks, inference, encode: made here, with the worker's times). Unsampled records make no span
 * and no id; a batch without a sampled record makes no span at all.
 */
import { type Context, createTraceState, ROOT_CONTEXT, type Span, SpanKind, SpanStatusCode, TraceFlags, type Tracer, trace } from '@opentelemetry/api';
import type { BatchTrace, PipelineTracing, RecordTrace, Traced, WorkerPhases } from '../../core/trace.ts';
import type { ConsumedRecord, Header } from '../../kafka/client.ts';
import { sampleRecord } from './sampling.ts';
import { findTraceHeaders, formatTraceparent, parseTraceparent, TRACEPARENT, type TraceHeaders } from './trace-context.ts';
import { phaseSpans } from './worker-phases.ts';

export const SPAN_NAMES = {
  record: 'scorer.record',
  batch: 'scorer.batch',
  batchWait: 'batch wait',
  produce: 'produce',
} as const;

export interface PipelineTracerOptions {
  readonly tracer: Tracer;
  /** Share of records without an incoming context that start a trace (tracing.samplingRatio). */
  readonly samplingRatio: number;
  /** Epoch milliseconds, fractional: span times, comparable with the workers' (performance.timeOrigin + now()). */
  readonly now: () => number;
  readonly random: () => number;
}

/** A sampled record: its span, and when it reached each stage. */
class SampledRecord implements RecordTrace {
  readonly sampled = true;
  readonly span: Span;
  readonly headers: readonly Header[];
  readonly admittedAt: number;
  readonly context: Context;
  /** When its outcome went to delivery: where its produce span starts. */
  handedAt: number;

  constructor(span: Span, headers: readonly Header[], admittedAt: number) {
    this.span = span;
    this.headers = headers;
    this.admittedAt = admittedAt;
    this.context = trace.setSpan(ROOT_CONTEXT, span);
    this.handedAt = admittedAt;
  }
}

class SampledBatch implements BatchTrace {
  readonly #tracer: Tracer;
  readonly #span: Span;
  readonly #context: Context;
  readonly #records: readonly SampledRecord[];
  readonly #now: () => number;

  constructor(tracer: Tracer, span: Span, records: readonly SampledRecord[], now: () => number) {
    this.#tracer = tracer;
    this.#span = span;
    this.#context = trace.setSpan(ROOT_CONTEXT, span);
    this.#records = records;
    this.#now = now;
  }

  phase(name: string, startMs: number, endMs: number): void {
    this.#tracer.startSpan(name, { startTime: startMs }, this.#context).end(endMs);
  }

  scored(parts: readonly { readonly reply: WorkerPhases }[]): void {
    const now = this.#now();
    for (const { reply } of parts) for (const phase of phaseSpans(reply, now)) this.phase(phase.name, phase.start, phase.end);
    this.#span.setAttribute('scorer.batch.parts', parts.length);
    this.#end(now);
  }

  failed(error: unknown): void {
    this.#span.setStatus({ code: SpanStatusCode.ERROR, message: error instanceof Error ? error.message : String(error) });
    this.#end(this.#now());
  }

  #end(now: number): void {
    this.#span.end(now);
    for (const record of this.#records) record.handedAt = now;
  }
}

export class PipelineTracer implements PipelineTracing {
  readonly #o: PipelineTracerOptions;

  constructor(options: PipelineTracerOptions) {
    this.#o = options;
  }

  admit(record: ConsumedRecord, topic: string, partition: number): RecordTrace | undefined {
    const incoming = findTraceHeaders(record.headers);
    const parent = incoming === undefined ? undefined : parseTraceparent(incoming.traceparent[1]);
    if (!sampleRecord(parent, this.#o.samplingRatio, this.#o.random)) return incoming === undefined ? undefined : passedThrough(incoming);
    const now = this.#o.now();
    const tracestate = parent === undefined ? undefined : incoming?.tracestate;
    const parentContext =
      parent === undefined
        ? ROOT_CONTEXT
        : trace.setSpanContext(ROOT_CONTEXT, {
            traceId: parent.traceId,
            spanId: parent.spanId,
            traceFlags: TraceFlags.SAMPLED,
            isRemote: true,
            ...(tracestate === undefined ? {} : { traceState: createTraceState(tracestate[1].toString('latin1')) }),
          });
    const span = this.#o.tracer.startSpan(
      SPAN_NAMES.record,
      {
        kind: SpanKind.CONSUMER,
        startTime: now,
        attributes: {
          'messaging.system': 'kafka',
          'messaging.operation.type': 'process',
          'messaging.destination.name': topic,
          'messaging.destination.partition.id': String(partition),
          'messaging.kafka.offset': record.offset,
        },
      },
      parentContext,
    );
    const own = span.spanContext();
    const traceparent: Header = [TRACEPARENT, Buffer.from(formatTraceparent(own.traceId, own.spanId), 'latin1')];
    return new SampledRecord(span, tracestate === undefined ? [traceparent] : [traceparent, tracestate], now);
  }

  batch(lane: string, items: readonly Traced[]): BatchTrace | undefined {
    let sampled: SampledRecord[] | undefined;
    for (const item of items) {
      if (!(item.trace instanceof SampledRecord)) continue;
      sampled ??= [];
      sampled.push(item.trace);
    }
    if (sampled === undefined) return undefined;
    const { tracer } = this.#o;
    const now = this.#o.now();
    for (const record of sampled) tracer.startSpan(SPAN_NAMES.batchWait, { startTime: record.admittedAt }, record.context).end(now);
    const span = tracer.startSpan(
      SPAN_NAMES.batch,
      {
        startTime: now,
        links: sampled.map((record) => ({ context: record.span.spanContext() })),
        attributes: { 'scorer.lane': lane, 'messaging.batch.message_count': items.length, 'scorer.batch.sampled': sampled.length },
      },
      ROOT_CONTEXT,
    );
    return new SampledBatch(tracer, span, sampled, this.#o.now);
  }

  acknowledged(outcomes: readonly { readonly source: Traced; readonly kind: string; readonly tag: string }[]): void {
    let now: number | undefined;
    for (const { source, kind, tag } of outcomes) {
      const record = source.trace;
      if (!(record instanceof SampledRecord)) continue;
      now ??= this.#o.now();
      this.#o.tracer.startSpan(SPAN_NAMES.produce, { kind: SpanKind.PRODUCER, startTime: record.handedAt }, record.context).end(now);
      record.span.setAttributes({ 'scorer.outcome': kind, 'scorer.tag': tag });
      record.span.end(now);
    }
  }
}

/** An unsampled record's context goes on as it came: the same header tuples. */
function passedThrough({ traceparent, tracestate }: TraceHeaders): RecordTrace {
  return { headers: tracestate === undefined ? [traceparent] : [traceparent, tracestate], sampled: false };
}
