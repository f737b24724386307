import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Header } from '../../../../src/kafka/client.ts';
import { findTraceHeaders, formatTraceparent, parseTraceparent } from '../../../../src/observability/tracing/trace-context.ts';

const TRACE = '4bf92f3577b34da6a3ce929d0e0e4736';
const SPAN = '00f067aa0ba902b7';
const parse = (value: string) => parseTraceparent(Buffer.from(value, 'latin1'));

test('a version-00 traceparent gives its trace id, parent span id and sampled flag', () => {
  assert.deepEqual(parse(`00-${TRACE}-${SPAN}-01`), { traceId: TRACE, spanId: SPAN, sampled: true });
  assert.deepEqual(parse(`00-${TRACE}-${SPAN}-00`), { traceId: TRACE, spanId: SPAN, sampled: false });
  // Only bit 0 is the sampled flag; other bits are other flags.
  assert.equal(parse(`00-${TRACE}-${SPAN}-03`)?.sampled, true);
  assert.equal(parse(`00-${TRACE}-${SPAN}-02`)?.sampled, false);
});

test('values the spec says to ignore are not parsed', () => {
  for (const bad of [
    `00-${TRACE}-${SPAN}-0`, // short
    `00-${TRACE.toUpperCase()}-${SPAN}-01`, // uppercase hex
    `ff-${TRACE}-${SPAN}-01`, // version ff
    `00-${'0'.repeat(32)}-${SPAN}-01`, // all-zero trace id
    `00-${TRACE}-${'0'.repeat(16)}-01`, // all-zero span id
    `00-${TRACE}-${SPAN}-01-extra`, // version 00 has exactly four fields
    `01-${TRACE}-${SPAN}-01extra`, // a later version's extra fields follow a '-'
    `00_${TRACE}-${SPAN}-01`,
    '',
  ])
    assert.equal(parse(bad), undefined, bad);
});

test('a later version is read by its first four fields', () => {
  assert.deepEqual(parse(`01-${TRACE}-${SPAN}-01-what-comes-next`), { traceId: TRACE, spanId: SPAN, sampled: true });
});

test('the first traceparent and tracestate headers are found as the same tuples; a lone tracestate is nothing', () => {
  const traceparent: Header = ['traceparent', Buffer.from(`00-${TRACE}-${SPAN}-01`)];
  const tracestate: Header = ['tracestate', Buffer.from('congo=t61rcWkgMzE')];
  const found = findTraceHeaders([['other', Buffer.from('x')], tracestate, traceparent, ['traceparent', Buffer.from('second')]]);
  assert.equal(found?.traceparent, traceparent);
  assert.equal(found?.tracestate, tracestate);
  assert.equal(findTraceHeaders([traceparent])?.tracestate, undefined);
  assert.equal(findTraceHeaders([tracestate]), undefined);
  assert.equal(findTraceHeaders([]), undefined);
});

test('a written traceparent is version 00, sampled, and parses back', () => {
  const written = formatTraceparent(TRACE, SPAN);
  assert.equal(written, `00-${TRACE}-${SPAN}-01`);
  assert.deepEqual(parse(written), { traceId: TRACE, spanId: SPAN, sampled: true });
});
