import assert from 'node:assert/strict';
import { test } from 'node:test';
import { phaseSpans } from '../../../../src/observability/tracing/worker-phases.ts';

test("a model batch's steps are laid end to end from the worker's start", () => {
  const spans = phaseSpans({ startedAt: 1000, decodeMs: 2, inferMs: 5, encodeMs: 1 }, 1020);
  assert.deepEqual(spans, [
    { name: 'decode', start: 1000, end: 1002 },
    { name: 'inference', start: 1002, end: 1007 },
    { name: 'encode', start: 1007, end: 1008 },
  ]);
});

test("a flow batch's preprocess hook sits before inference and its other hooks after", () => {
  const spans = phaseSpans({ startedAt: 0, decodeMs: 1, inferMs: 4, encodeMs: 1, hookMs: { postprocess: 3, preprocess: 2 } }, 50);
  assert.deepEqual(
    spans.map((s) => [s.name, s.start, s.end]),
    [
      ['decode', 0, 1],
      ['hook preprocess', 1, 3],
      ['inference', 3, 7],
      ['hook postprocess', 7, 10],
      ['encode', 10, 11],
    ],
  );
});

test('without a start the steps end when the reply arrived', () => {
  const spans = phaseSpans({ decodeMs: 1, inferMs: 2, encodeMs: 3 }, 100);
  assert.equal(spans[0]?.start, 94);
  assert.equal(spans.at(-1)?.end, 100);
});

test("a flow's enrichment from Redis is a step of its own, between decode and the preprocess hook", () => {
  const spans = phaseSpans({ startedAt: 0, decodeMs: 1, enrichMs: 6, inferMs: 4, encodeMs: 1, hookMs: { preprocess: 2 } }, 50);
  assert.deepEqual(
    spans.map((s) => [s.name, s.start, s.end]),
    [
      ['decode', 0, 1],
      ['enrichment', 1, 7],
      ['hook preprocess', 7, 9],
      ['inference', 9, 13],
      ['encode', 13, 14],
    ],
  );
});
