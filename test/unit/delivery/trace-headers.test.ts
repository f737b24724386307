/** Trace context on what leaves: predictions carry their record's trace headers; dead letters keep the input's and name the span beside them. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { RecordTrace } from '../../../src/core/trace.ts';
import { deadLetterOutgoing, type InputOrigin, predictionOutgoing } from '../../../src/delivery/outcomes.ts';
import type { Outgoing } from '../../../src/delivery/outgoing.ts';
import { type Header, NO_HEADERS } from '../../../src/kafka/client.ts';

const target = { topic: 'out', deadLetterTopic: 'out.dlq' };
const model = { name: 'fraud', version: 1, id: 'fraud:1' };
const incoming: Header[] = [
  ['app', Buffer.from('x')],
  ['traceparent', Buffer.from('00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01')],
  ['tracestate', Buffer.from('congo=t61rcWkgMzE')],
];
const own: Header = ['traceparent', Buffer.from('00-4bf92f3577b34da6a3ce929d0e0e4736-b7ad6b7169203331-01')];

function origin(trace: RecordTrace | undefined): InputOrigin {
  return {
    ledger: {} as InputOrigin['ledger'],
    key: 'in-0',
    topic: 'in',
    partition: 0,
    offset: 7,
    timestamp: 0,
    record: { offset: 7, key: null, value: Buffer.from('{}'), timestamp: 0, headers: incoming },
    trace,
  };
}

const names = (o: Outgoing) => o.record.headers.map(([key]) => key);
const header = (o: Outgoing, key: string) => o.record.headers.find(([k]) => k === key)?.[1].toString();

test("a prediction carries its record's trace headers, and none without tracing", () => {
  const traced = predictionOutgoing(target, model, origin({ headers: [own, incoming[2] as Header], sampled: true }), Buffer.from('p'));
  assert.deepEqual(names(traced), ['traceparent', 'tracestate']);
  assert.equal(header(traced, 'traceparent'), own[1].toString());
  assert.equal(predictionOutgoing(target, model, origin(undefined), Buffer.from('p')).record.headers, NO_HEADERS);
});

test("a sampled record's dead letter keeps the input's headers byte for byte and names its span in scorer.traceparent", () => {
  const sampled = deadLetterOutgoing(target, origin({ headers: [own, incoming[2] as Header], sampled: true }), 'JSON_DECODE', 'bad', 'fraud:1', 0);
  assert.deepEqual(sampled.record.headers.slice(0, 3), incoming, 'the input headers as they came');
  assert.equal(names(sampled).filter((k) => k === 'traceparent').length, 1);
  assert.equal(header(sampled, 'scorer.traceparent'), own[1].toString());
  assert.equal(header(sampled, 'scorer.error.reason'), 'JSON_DECODE');

  const unsampled = deadLetterOutgoing(target, origin({ headers: incoming.slice(1), sampled: false }), 'JSON_DECODE', 'bad', 'fraud:1', 0);
  assert.deepEqual(unsampled.record.headers.slice(0, 3), incoming);
  assert.equal(header(unsampled, 'scorer.traceparent'), undefined, 'no span of its own to name');
});
