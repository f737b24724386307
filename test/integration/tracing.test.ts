/**
 * Tracing on the real broker, exported to an OTLP/HTTP receiver the test runs (devtools/otlp-receiver.ts,
 * which parses what the exporter sends). Inputs of four kinds: a sampled traceparent (some with a
 * tracestate), an unsampled traceparent with a tracestate, no context at all (sampled as roots at
 * samplingRatio 1), and bad JSON under a sampled traceparent (dead letters). The outputs must name the
 * scorer's record span as parent in the input's trace, keep the sampled flag and the tracestate; the
 * unsampled context must come out byte for byte, with no span made for it; the exported spans must show
 * each record span as the child of the input's span, each batch span linked to its records' spans, and
 * the worker's steps under the batch spans (a flow's hooks too). The spans are exported at shutdown,
 * within its deadline. Once for a plain input, once through a flow (their outputs are built apart).
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { test } from 'node:test';
import type { Message } from 'kafkajs';
import { type OtlpReceiver, type ReceivedSpan, startOtlpReceiver } from '../../devtools/otlp-receiver.ts';
import { CLIENTS } from '../support/clients.ts';
import { FLOW_HOOKS } from '../support/flow-repository.ts';
import { type Collected, collect, produce } from '../support/kafka.ts';
import { goldenEvents, scenarioTopics, scorerConfig } from '../support/scenario.ts';
import { REPO_ROOT, startScorer, stopScorer } from '../support/scorer-process.ts';

const SAMPLED = 60;
const UNSAMPLED = 60;
const PLAIN = 30;
const BAD = 3;
const TRACESTATE = 'congo=t61rcWkgMzE,rojo=00f067aa0ba902b7';

interface Input {
  readonly id: string;
  readonly kind: 'sampled' | 'unsampled' | 'plain' | 'bad';
  readonly traceId?: string;
  readonly spanId?: string;
  readonly traceparent?: string;
  readonly tracestate?: string;
}

const hex = (bytes: number) => randomBytes(bytes).toString('hex');

function inputs(): { messages: Message[]; byId: Map<string, Input> } {
  const events = goldenEvents(SAMPLED + UNSAMPLED + PLAIN);
  const byId = new Map<string, Input>();
  const messages: Message[] = [];
  events.forEach((e, i) => {
    const id = e.event.event_id as string;
    const kind = i < SAMPLED ? 'sampled' : i < SAMPLED + UNSAMPLED ? 'unsampled' : 'plain';
    const input: Input =
      kind === 'plain'
        ? { id, kind }
        : (() => {
            const traceId = hex(16);
            const spanId = hex(8);
            const traceparent = `00-${traceId}-${spanId}-${kind === 'sampled' ? '01' : '00'}`;
            return { id, kind, traceId, spanId, traceparent, ...(kind === 'unsampled' || i % 2 === 0 ? { tracestate: TRACESTATE } : {}) };
          })();
    byId.set(id, input);
    const headers: Record<string, string> = {};
    if (input.traceparent !== undefined) headers.traceparent = input.traceparent;
    if (input.tracestate !== undefined) headers.tracestate = input.tracestate;
    messages.push({ key: e.key, value: JSON.stringify(e.event), headers });
  });
  for (let i = 0; i < BAD; i++) {
    const traceId = hex(16);
    const spanId = hex(8);
    const input: Input = { id: `bad-${i}`, kind: 'bad', traceId, spanId, traceparent: `00-${traceId}-${spanId}-01` };
    byId.set(input.id, input);
    messages.push({ key: input.id, value: `{"event_id": "${input.id}", not json`, headers: { traceparent: input.traceparent as string } });
  }
  return { messages, byId };
}

const header = (record: Collected, name: string): string | undefined => {
  const value = record.headers[name];
  if (value === undefined) return undefined;
  assert.ok(!Array.isArray(value), `one ${name} header`);
  return value.toString();
};

/** The input a prediction or dead letter answers, by the event id in its value. */
function inputOf(record: Collected, byId: ReadonlyMap<string, Input>): Input {
  const text = (record.value as Buffer).toString('utf8');
  const id = /"event_id":\s*"([^"]+)"/.exec(text)?.[1] ?? /(bad-\d+)/.exec(text)?.[1];
  const input = id === undefined ? undefined : byId.get(id);
  assert.ok(input, `no input for ${text.slice(0, 120)}`);
  return input;
}

/** A plain input scored by fraud@1, or the same through a flow with both hooks (their spans under the batch spans too). */
type Path = 'model' | 'flow';

function pathConfig(path: Path, input: string, output: string): Record<string, unknown> {
  if (path === 'model') return {};
  return {
    models: { repository: join(REPO_ROOT, 'models'), serve: [{ name: 'fraud', version: 1 }, { name: 'heavy' }] },
    inputs: [],
    flows: [
      {
        name: 'traced',
        inputs: [{ topic: input, format: 'json' }],
        preprocess: `${FLOW_HOOKS}#preprocess`,
        models: ['fraud@1'],
        postprocess: `${FLOW_HOOKS}#postprocess`,
        output,
      },
    ],
  };
}

for (const [client, path] of CLIENTS.flatMap((c) => (['model', 'flow'] as const).map((p) => [c, p] as const))) {
  test(`[${client}] ${path}: trace context crosses from input headers to output headers, and the spans reach an OTLP receiver`, async (t) => {
    const receiver: OtlpReceiver = await startOtlpReceiver();
    t.after(() => receiver.close());
    const { input, output, dlq } = await scenarioTopics(t, 'tracing', 2);
    const { messages, byId } = inputs();
    await produce(input, messages);
    const scorer = await startScorer(
      scorerConfig({
        client,
        groupId: `${input}-group`,
        inputs: [{ topic: input, format: 'json' }],
        output,
        outputFormat: 'json',
        deadLetter: dlq,
        extra: {
          tracing: { enabled: true, otlpEndpoint: receiver.url, samplingRatio: 1, serviceName: 'scorer-under-test' },
          ...pathConfig(path, input, output),
        },
      }),
    );
    t.after(() => stopScorer(scorer, 'SIGKILL', 5000));
    await scorer.waitReady();
    const good = SAMPLED + UNSAMPLED + PLAIN;
    const predictions = await collect(output, (all) => all.length >= good, 120_000);
    const dead = await collect(dlq, (all) => all.length >= BAD, 60_000);
    const { code } = await stopScorer(scorer, 'SIGTERM', 35_000);
    assert.equal(code, 0, `scorer exit code; logs:\n${scorer.logs().slice(-3000)}`);
    assert.equal(predictions.length, good);
    assert.equal(dead.length, BAD);
    assert.equal(receiver.rejected, 0, 'every export parsed');

    const spans = receiver.spans;
    const byName = (name: string) => spans.filter((s) => s.name === name);
    const recordSpans = new Map(byName('scorer.record').map((s) => [s.spanId, s]));
    assert.ok(spans.every((s) => s.service === 'scorer-under-test'));

    // The predictions and dead letters, against their inputs' contexts.
    const byLinkedId = new Set(byName('scorer.batch').flatMap((b) => b.links.map((l) => l.spanId)));
    const expectedRecordSpans = SAMPLED + PLAIN + BAD;
    assert.equal(recordSpans.size, expectedRecordSpans, 'one record span per sampled input, none for the unsampled');
    // A prediction carries lineage, not the event: its source offset maps back through the input topic.
    const consumed = await collect(input, (all) => all.length >= messages.length, 60_000);
    const inputsByOffset = new Map(consumed.map((r) => [`${r.partition}/${r.offset}`, inputOf(r, byId)]));
    const inputWithPredictionOrDlq = (record: Collected): Input => {
      if (record.topic === dlq) return inputOf(record, byId);
      const prediction = JSON.parse((record.value as Buffer).toString('utf8')) as { source_offset: number; source_partition: number };
      return inputsByOffset.get(`${prediction.source_partition}/${prediction.source_offset}`) as Input;
    };
    for (const record of [...predictions, ...dead]) {
      const source = inputWithPredictionOrDlq(record);
      // A dead letter keeps the input's headers as they came and names the scorer's span beside them.
      const isDeadLetter = record.topic === dlq;
      if (isDeadLetter) assert.equal(header(record, 'traceparent'), source.traceparent, "a dead letter keeps the input's traceparent");
      const traceparent = header(record, isDeadLetter && source.kind !== 'unsampled' ? 'scorer.traceparent' : 'traceparent');
      if (source.kind === 'unsampled') {
        assert.equal(traceparent, source.traceparent, 'an unsampled context goes on unchanged');
        assert.equal(header(record, 'tracestate'), source.tracestate);
        continue;
      }
      const match = /^00-([0-9a-f]{32})-([0-9a-f]{16})-01$/.exec(traceparent ?? '');
      assert.ok(match, `a sampled record's output carries a sampled traceparent (${source.kind}: ${traceparent})`);
      const [, traceId, spanId] = match as unknown as [string, string, string];
      const span = recordSpans.get(spanId) as ReceivedSpan;
      assert.ok(span, `the output's parent span ${spanId} was exported`);
      assert.equal(span.traceId, traceId);
      if (source.kind === 'plain') assert.equal(span.parentSpanId, '', 'a record without context starts a trace');
      else {
        assert.equal(traceId, source.traceId, "the output stays in the input's trace");
        assert.equal(span.parentSpanId, source.spanId, "the record span is the child of the input's span");
      }
      assert.equal(header(record, 'tracestate'), source.tracestate);
      assert.equal(span.attributes['scorer.outcome'], record.topic === dlq ? 'dead-letter' : 'prediction');
      assert.ok(byLinkedId.has(spanId), 'a batch span links to the record span');
      assert.ok(span.endNanos >= span.startNanos);
    }
    for (const source of byId.values())
      if (source.kind === 'unsampled') assert.ok(!spans.some((s) => s.traceId === source.traceId), 'no span in an unsampled trace');

    // Children: the record's own steps under it, the worker's under the batch spans.
    for (const name of ['batch wait', 'produce']) {
      const children = byName(name);
      assert.equal(children.length, expectedRecordSpans, name);
      assert.ok(
        children.every((c) => recordSpans.get(c.parentSpanId)?.traceId === c.traceId),
        `every ${name} span is a child of a record span`,
      );
    }
    const batches = new Map(byName('scorer.batch').map((b) => [b.spanId, b]));
    assert.ok(batches.size > 0);
    for (const batch of batches.values()) {
      assert.equal(batch.parentSpanId, '', 'a batch span starts a trace of its own');
      assert.ok(batch.links.length > 0 && batch.links.every((l) => recordSpans.has(l.spanId)));
    }
    for (const name of ['decode', 'inference', 'encode', ...(path === 'flow' ? ['hook preprocess', 'hook postprocess'] : [])]) {
      const phases = byName(name);
      assert.ok(phases.length >= batches.size, `${name}: a span per batch part`);
      assert.ok(
        phases.every((p) => batches.has(p.parentSpanId)),
        `every ${name} span is a child of a batch span`,
      );
    }
  });
}
