/**
 * W3C Trace Context (https://www.w3.org/TR/trace-context/) in Kafka record headers: finding the
 * `traceparent` and `tracestate` headers, parsing `traceparent`, writing it. Pure.
 */
import type { Header } from '../../kafka/client.ts';

export const TRACEPARENT = 'traceparent';
export const TRACESTATE = 'tracestate';

export interface TraceParent {
  /** 32 lowercase hex digits, not all zero. */
  readonly traceId: string;
  /** The parent span: 16 lowercase hex digits, not all zero. */
  readonly spanId: string;
  readonly sampled: boolean;
}

/** The input's trace headers as they arrived: the same tuples, so passing them on copies nothing. */
export interface TraceHeaders {
  readonly traceparent: Header;
  readonly tracestate: Header | undefined;
}

/** The first `traceparent` and `tracestate` headers; undefined without a `traceparent` (a lone tracestate means nothing). */
export function findTraceHeaders(headers: readonly Header[]): TraceHeaders | undefined {
  let traceparent: Header | undefined;
  let tracestate: Header | undefined;
  for (const header of headers) {
    if (traceparent === undefined && header[0] === TRACEPARENT) traceparent = header;
    else if (tracestate === undefined && header[0] === TRACESTATE) tracestate = header;
  }
  return traceparent === undefined ? undefined : { traceparent, tracestate };
}

const LENGTH = 55;
const FIELDS = /^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/;
const ZERO_TRACE = '0'.repeat(32);
const ZERO_SPAN = '0'.repeat(16);

/**
 * Undefined for a value the spec says to ignore: a wrong length or shape, uppercase hex, version ff,
 * an all-zero id, or version 00 with anything after the flags. A later version may append fields after
 * a '-' (the spec's forward compatibility); only the first four are read.
 */
export function parseTraceparent(value: Buffer): TraceParent | undefined {
  if (value.length < LENGTH || (value.length > LENGTH && value[LENGTH] !== 0x2d)) return undefined;
  const match = FIELDS.exec(value.toString('latin1', 0, LENGTH));
  if (match === null) return undefined;
  const [, version, traceId, spanId, flags] = match as unknown as [string, string, string, string, string];
  if (version === 'ff' || (version === '00' && value.length !== LENGTH)) return undefined;
  if (traceId === ZERO_TRACE || spanId === ZERO_SPAN) return undefined;
  return { traceId, spanId, sampled: (Number.parseInt(flags, 16) & 1) === 1 };
}

/** Version 00, sampled: only a sampled span's context is ever written. */
export function formatTraceparent(traceId: string, spanId: string): string {
  return `00-${traceId}-${spanId}-01`;
}
