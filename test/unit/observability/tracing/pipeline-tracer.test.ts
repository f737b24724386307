/** The pipeline's spans on the real trace SDK, collected in its in-memory exporter. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { AlwaysOnSampler, InMemorySpanExporter, type ReadableSpan, SimpleSpanProcessor, TracerProvider } from '@opentelemetry/sdk-trace';
import type { RecordTrace } from '../../../../src/core/trace.ts';
import type { ConsumedRecord, Header } from '../../../../src/kafka/client.ts';
import { PipelineTracer, SPAN_NAMES } from '../../../../src/observability/tracing/pipeline-tracer.ts';
import { parseTraceparent } from '../../../../src/observability/tracing/trace-context.ts';

const TRACE = '4bf92f3577b34da6a3ce929d0e0e4736';
const PARENT = '00f067aa0ba902b7';

function setup(samplingRatio = 0) {
  const exporter = new InMemorySpanExporter();
  const provider = new TracerProvider({ sampler: new AlwaysOnSampler(), spanProcessors: [new SimpleSpanProcessor({ exporter })] });
  let clock = 1_700_000_000_000;
  const tracer = new PipelineTracer({
    tracer: provider.getTracer('test'),
    samplingRatio,
    now: () => clock,
    random: () => 0.5,
  });
  return { tracer, spans: () => exporter.getFinishedSpans(), advance: (ms: number) => (clock += ms) };
}

const record = (offset: number, headers: Header[] = []): ConsumedRecord => ({ offset, key: null, value: Buffer.from('{}'), timestamp: 0, headers });
const traceparent = (flags: string): Header => ['traceparent', Buffer.from(`00-${TRACE}-${PARENT}-${flags}`)];
const tracestate: Header = ['tracestate', Buffer.from('congo=t61rcWkgMzE')];
const ms = (span: ReadableSpan, which: 'startTime' | 'endTime') => span[which][0] * 1000 + span[which][1] / 1e6;
const named = (spans: ReadableSpan[], name: string) => spans.filter((s) => s.name === name);

test('an unsampled record without context gets no trace; its batch makes no span', () => {
  const { tracer, spans } = setup(0);
  const trace = tracer.admit(record(1), 'in', 0);
  assert.equal(trace, undefined);
  assert.equal(tracer.batch('fraud:1', [{ trace }]), undefined);
  tracer.acknowledged([{ source: { trace }, kind: 'prediction', tag: 'fraud:1' }]);
  assert.deepEqual(spans(), []);
});

test("an unsampled input's traceparent and tracestate go on unchanged, as the same tuples", () => {
  const { tracer, spans } = setup(1);
  const incoming = traceparent('00');
  const trace = tracer.admit(record(1, [['k', Buffer.from('v')], incoming, tracestate]), 'in', 0) as RecordTrace;
  assert.equal(trace.sampled, false);
  assert.equal(trace.headers[0], incoming);
  assert.equal(trace.headers[1], tracestate);
  assert.equal(tracer.batch('fraud:1', [{ trace }]), undefined);
  assert.deepEqual(spans(), []);
});

test("a sampled input's record span is the child of its span; the outputs name the record span as parent, tracestate kept", () => {
  const { tracer, spans, advance } = setup(0);
  const trace = tracer.admit(record(42, [traceparent('01'), tracestate]), 'payments', 3) as RecordTrace;
  assert.equal(trace.sampled, true);
  const out = parseTraceparent(trace.headers[0]?.[1] as Buffer);
  assert.equal(trace.headers[0]?.[0], 'traceparent');
  assert.equal(out?.traceId, TRACE);
  assert.equal(out?.sampled, true);
  assert.notEqual(out?.spanId, PARENT);
  assert.equal(trace.headers[1], tracestate);

  advance(3);
  const batch = tracer.batch('fraud:1', [{ trace }, { trace: undefined }]);
  assert.ok(batch);
  advance(10);
  batch.scored([{ reply: { startedAt: 1_700_000_000_004, decodeMs: 1, inferMs: 6, encodeMs: 1 } }]);
  advance(5);
  tracer.acknowledged([{ source: { trace }, kind: 'prediction', tag: 'fraud:1' }]);

  const all = spans();
  const [recordSpan] = named(all, SPAN_NAMES.record);
  assert.ok(recordSpan);
  assert.equal(recordSpan.spanContext().traceId, TRACE);
  assert.equal(recordSpan.spanContext().spanId, out?.spanId);
  assert.equal(recordSpan.parentSpanContext?.spanId, PARENT);
  assert.equal(recordSpan.parentSpanContext?.traceState?.get('congo'), 't61rcWkgMzE');
  assert.equal(recordSpan.attributes['messaging.kafka.offset'], 42);
  assert.equal(recordSpan.attributes['messaging.destination.partition.id'], '3');
  assert.equal(ms(recordSpan, 'endTime') - ms(recordSpan, 'startTime'), 18);

  for (const name of [SPAN_NAMES.batchWait, SPAN_NAMES.produce]) {
    const [child] = named(all, name);
    assert.equal(child?.parentSpanContext?.spanId, out?.spanId, name);
  }
  const [wait] = named(all, SPAN_NAMES.batchWait);
  assert.equal(ms(wait as ReadableSpan, 'endTime') - ms(wait as ReadableSpan, 'startTime'), 3);
  const [produce] = named(all, SPAN_NAMES.produce);
  assert.equal(ms(produce as ReadableSpan, 'endTime') - ms(produce as ReadableSpan, 'startTime'), 5);

  const [batchSpan] = named(all, SPAN_NAMES.batch);
  assert.ok(batchSpan);
  assert.notEqual(batchSpan.spanContext().traceId, TRACE, 'a batch is a trace of its own');
  assert.deepEqual(
    batchSpan.links.map((l) => l.context.spanId),
    [out?.spanId],
  );
  assert.equal(batchSpan.attributes['messaging.batch.message_count'], 2);
  for (const name of ['decode', 'inference', 'encode']) {
    const [phase] = named(all, name);
    assert.equal(phase?.parentSpanContext?.spanId, batchSpan.spanContext().spanId, name);
  }
  const [inference] = named(all, 'inference');
  assert.equal(ms(inference as ReadableSpan, 'startTime'), 1_700_000_000_005);
  assert.equal(ms(inference as ReadableSpan, 'endTime'), 1_700_000_000_011);
});

test('an input whose context says not sampled is not sampled, even at ratio 1; one without context is, at ratio 1', () => {
  const { tracer, spans } = setup(1);
  assert.equal(tracer.admit(record(1, [traceparent('00')]), 'in', 0)?.sampled, false);
  const root = tracer.admit(record(2), 'in', 0) as RecordTrace;
  assert.equal(root.sampled, true);
  tracer.acknowledged([{ source: { trace: root }, kind: 'dead-letter', tag: 'JSON_DECODE' }]);
  const [span] = named(spans(), SPAN_NAMES.record);
  assert.equal(span?.parentSpanContext, undefined, 'a root');
  assert.equal(span?.attributes['scorer.outcome'], 'dead-letter');
  assert.equal(span?.attributes['scorer.tag'], 'JSON_DECODE');
  assert.equal(root.headers.length, 1);
});

test('a malformed traceparent starts a new trace when sampled, and goes on unchanged when not', () => {
  const bad: Header = ['traceparent', Buffer.from('garbage')];
  const sampled = setup(1).tracer.admit(record(1, [bad]), 'in', 0) as RecordTrace;
  assert.equal(sampled.sampled, true);
  assert.ok(parseTraceparent(sampled.headers[0]?.[1] as Buffer));
  const unsampled = setup(0).tracer.admit(record(1, [bad]), 'in', 0) as RecordTrace;
  assert.equal(unsampled.headers[0], bad);
});

test('a batch that failed as a whole ends its span with an error status', () => {
  const { tracer, spans } = setup(1);
  const trace = tracer.admit(record(1), 'in', 0);
  tracer.batch('fraud:1', [{ trace }])?.failed(new Error('boom'));
  const [batch] = named(spans(), SPAN_NAMES.batch);
  assert.equal(batch?.status.message, 'boom');
});
