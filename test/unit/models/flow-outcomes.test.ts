import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { FlowScoredReply } from '../../../src/inference/protocol.ts';
import { NO_HEADERS } from '../../../src/kafka/client.ts';
import { flowOutcomes } from '../../../src/models/flow-outcomes.ts';
import type { Work } from '../../../src/models/work.ts';

const target = { topic: 'out', deadLetterTopic: 'out.dlq' };

function work(offset: number): Work {
  const record = { offset, timestamp: 1, key: Buffer.from(`k${offset}`), value: Buffer.from('{}'), headers: NO_HEADERS };
  return { record, offset, timestamp: 1, topic: 'in', partition: 0, key: 'in[0]', schemaId: -1, ledger: {} as Work['ledger'] };
}

/** Records "a", "bb", "ccc", "dddd": row 0 wrote two (fan-out), row 1 none (failed), row 2 two. */
function reply(): FlowScoredReply {
  const encoded = new Uint8Array(Buffer.from('abbcccdddd'));
  return {
    kind: 'flow-scored',
    encoded,
    recordEnds: Int32Array.from([1, 3, 6, 10]),
    rowRecords: Int32Array.from([2, 2, 4]),
    recordModel: Uint16Array.from([0, 1, 1, 0]),
    models: ['fraud:1', 'rules:1'],
    fallbacks: {},
    failures: [{ row: 1, reason: 'HOOK_FAILED', message: 'preprocess threw' }],
    modelRuns: [],
    hookMs: {},
    decodeMs: 0,
    inferMs: 0,
    encodeMs: 0,
  };
}

test("a row's predictions become one outgoing, the first as its record and the rest as fan-out; a failed row one dead letter", () => {
  const items = [work(10), work(11), work(12)];
  const out = flowOutcomes(target, [{ items, reply: reply() }], 99);
  assert.equal(out.length, 3, 'one outgoing per input row, so the ledger keeps one value per offset');
  const [first, failed, third] = out;
  assert.equal(first?.kind, 'prediction');
  assert.equal(first?.record.value?.toString(), 'a');
  assert.equal(first?.tag, 'fraud:1');
  assert.deepEqual(
    first?.fanOut?.map((f) => [f.record.value?.toString(), f.tag, f.record.topic, f.record.key?.toString()]),
    [['bb', 'rules:1', 'out', 'k10']],
  );
  assert.equal(failed?.kind, 'dead-letter');
  assert.equal(failed?.tag, 'HOOK_FAILED');
  assert.equal(failed?.record.topic, 'out.dlq');
  assert.equal(third?.record.value?.toString(), 'ccc');
  assert.deepEqual(
    third?.fanOut?.map((f) => f.record.value?.toString()),
    ['dddd'],
  );
});

test('a row that wrote nothing and has no failure is a dead letter that says it is a bug, never a silent drop', () => {
  const r = { ...reply(), failures: [] };
  const out = flowOutcomes(target, [{ items: [work(1), work(2), work(3)], reply: r }], 0);
  assert.equal(out[1]?.kind, 'dead-letter');
  assert.equal(out[1]?.tag, 'INTERNAL_ERROR');
});

test("a row's shadow records join its fan-out, each to its shadow topic with the input key; a failed row has none", () => {
  const scored = (text: string, rowRecords: number[], ends: number[]) => ({
    encoded: new Uint8Array(Buffer.from(text)),
    recordEnds: Int32Array.from(ends),
    rowRecords: Int32Array.from(rowRecords),
    scoreDiff: new Float64Array(ends.length),
    labelAgreement: new Int8Array(ends.length),
    errors: 0,
  });
  // Candidate 0 shadows rows 0 and 2 ("x", "yy"); candidate 1 only row 2 ("z").
  const shadow = { shed: 0, ms: 1, candidates: [scored('xyy', [1, 1, 2], [1, 3]), scored('z', [0, 0, 1], [1])] };
  const targets = [
    { topic: 'side-a', tag: 'shadow/fraud:2' },
    { topic: 'side-b', tag: 'shadow/heavy:1' },
  ];
  const [first, failed, third] = flowOutcomes(target, [{ items: [work(10), work(11), work(12)], reply: { ...reply(), shadow } }], 99, targets);
  const fan = (o: typeof first) => o?.fanOut?.map((f) => [f.record.topic, f.record.value?.toString(), f.tag, f.record.key?.toString()]);
  assert.deepEqual(fan(first), [
    ['out', 'bb', 'rules:1', 'k10'],
    ['side-a', 'x', 'shadow/fraud:2', 'k10'],
  ]);
  assert.equal(failed?.fanOut, undefined);
  assert.deepEqual(fan(third), [
    ['out', 'dddd', 'fraud:1', 'k12'],
    ['side-a', 'yy', 'shadow/fraud:2', 'k12'],
    ['side-b', 'z', 'shadow/heavy:1', 'k12'],
  ]);
});
