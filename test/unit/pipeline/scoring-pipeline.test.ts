/**
 * The whole scoring loop in memory: fake pool, fake transport, fake consumer control, fake clock. What
 * is checked here is the product's promise at the unit level: order per partition, commits only of
 * acknowledged work, dead letters for bad input, admission stopping at the budget, bisecting, revocation
 * and drain.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { RecordError } from '../../../src/errors.ts';
import type { Feeds, ModelEntry } from '../../../src/inference/types.ts';
import type { CommitOffset, InputRecord, TopicPartition } from '../../../src/ingest/types.ts';
import { BackpressureController } from '../../../src/pipeline/backpressure.ts';
import type { ScoreOutcome, ScoringPool } from '../../../src/pipeline/batch-scorer.ts';
import type { PipelineMetrics } from '../../../src/pipeline/pipeline-metrics.ts';
import { ScoringPipeline } from '../../../src/pipeline/scoring-pipeline.ts';
import type { OutRecord } from '../../../src/sink/types.ts';
import { FakeClock } from '../../support/fake-clock.ts';

const ENTRY: ModelEntry = {
  onnxPath: 'model.onnx',
  config: {
    name: 'm',
    version: 3,
    inputs: [{ name: 'x', dtype: 'float32', fields: [{ field: 'x' }] }],
    outputs: { score: { output: 'p' } },
    missingRequired: 'dlq',
  },
};

/** x must be a finite number; x === 13 makes the model itself fail (for bisecting). */
const mapper = {
  extract(event: unknown): unknown {
    const x = (event as { x?: unknown }).x;
    if (typeof x !== 'number') throw new RecordError('FEATURE_TYPE', `x is ${typeof x}`);
    return x;
  },
  pack(rows: readonly unknown[]) {
    const data = Float32Array.from(rows as number[]);
    return { feeds: { x: { dtype: 'float32', dims: [rows.length, 1], data } } as Feeds, transfer: [data.buffer as ArrayBuffer] };
  },
};

class FakePool implements ScoringPool {
  held: (() => void)[] = [];
  hold = false;
  calls = 0;
  async score(_m: string, _v: number, _o: unknown, build: () => { feeds: Feeds }): Promise<ScoreOutcome> {
    this.calls++;
    const data = build().feeds.x?.data as Float32Array;
    if (this.hold) await new Promise<void>((r) => this.held.push(r));
    if (data.includes(13)) return { ok: false, kind: 'model-error', message: 'bad row', attempts: 1 };
    return { ok: true, attempts: 1, scores: { scores: Float64Array.from(data, (x) => x / 100), inferMs: 1 } };
  }
  releaseInReverse(): void {
    const held = this.held.reverse();
    this.held = [];
    for (const r of held) r();
  }
}

class FakeTransport {
  sent: OutRecord[] = [];
  failNext = 0;
  async send(records: readonly OutRecord[]): Promise<void> {
    if (this.failNext > 0) {
      this.failNext--;
      throw new Error('broker down');
    }
    this.sent.push(...records);
  }
}

class FakeControl {
  paused = new Set<string>();
  commits: CommitOffset[][] = [];
  pause(p: readonly TopicPartition[]) {
    for (const x of p) this.paused.add(`${x.topic}:${x.partition}`);
  }
  resume(p: readonly TopicPartition[]) {
    for (const x of p) this.paused.delete(`${x.topic}:${x.partition}`);
  }
  async commit(offsets: readonly CommitOffset[]) {
    this.commits.push([...offsets]);
  }
  last(partition: number): string | undefined {
    for (let i = this.commits.length - 1; i >= 0; i--) {
      const hit = this.commits[i]?.find((c) => c.partition === partition);
      if (hit) return hit.offset;
    }
    return undefined;
  }
}

const noMetrics: PipelineMetrics = {
  recordConsumed() {},
  recordBatch() {},
  recordAcked() {},
  recordSendFailure() {},
  recordLoad() {},
  recordLag() {},
  recordCommit() {},
  recordRebalance() {},
  forgetPartition() {},
};
const quietLog = { debug() {}, info() {}, warn() {}, error() {} };

function setup(budgets = { globalBudget: 1000, partitionBudget: 500 }) {
  const clock = new FakeClock(1000);
  const pool = new FakePool();
  const transport = new FakeTransport();
  const control = new FakeControl();
  const pipeline = new ScoringPipeline({
    models: [{ entry: ENTRY, mapper }],
    inputs: [{ topic: 'in', model: 'm', decoder: { decode: (v: Buffer) => JSON.parse(v.toString()) as unknown } }],
    batching: { maxBatchSize: 4, maxDelayMs: 1 },
    inference: { threads: 2, depth: 1 },
    maxRecordBytes: 1000,
    target: { topic: 'out', deadLetterTopic: 'dlq', encoder: { encode: (v) => Buffer.from(JSON.stringify(v)) } },
    pool,
    transport,
    control,
    backpressure: new BackpressureController({ ...budgets, resumeRatio: 0.5, minPauseMs: 0, maxCommitGap: 10_000 }, clock),
    budgets,
    senderHighWater: 10_000,
    metrics: noMetrics,
    log: quietLog,
    clock,
    scheduler: clock,
    wallClock: () => 5000,
  });
  pipeline.assign([
    { topic: 'in', partition: 0 },
    { topic: 'in', partition: 1 },
  ]);
  return { clock, pool, transport, control, pipeline };
}

function records(from: number, values: readonly unknown[]): InputRecord[] {
  return values.map((x, i) => ({
    offset: String(from + i),
    key: Buffer.from(`k${i % 3}`),
    value: x === null ? null : Buffer.from(JSON.stringify({ x })),
    timestamp: '4000',
  }));
}

async function settle(clock: FakeClock, rounds = 20) {
  for (let i = 0; i < rounds; i++) {
    await new Promise((r) => setImmediate(r));
    clock.advance(2);
  }
}

const heartbeat = async () => {};
const parsed = (r: OutRecord) => JSON.parse((r.value as Buffer).toString()) as { source_partition: number; source_offset: number; score: number };

test('predictions leave in offset order per partition even when batches finish out of order', async () => {
  const { clock, pool, transport, control, pipeline } = setup();
  pool.hold = true;
  const last = await pipeline.admitBatch(
    {
      topic: 'in',
      partition: 0,
      highWatermark: 20,
      records: records(
        0,
        Array.from({ length: 12 }, (_, i) => i),
      ),
    },
    heartbeat,
  );
  assert.equal(last, '11');
  await settle(clock, 3);
  assert.ok(pool.held.length >= 2, 'several batches in flight');
  for (let round = 0; round < 10; round++) {
    pool.releaseInReverse();
    await settle(clock, 3);
  }
  const offsets = transport.sent.map((r) => parsed(r).source_offset);
  assert.deepEqual(
    offsets,
    Array.from({ length: 12 }, (_, i) => i),
  );
  assert.deepEqual(
    transport.sent.map((r) => parsed(r).score),
    offsets.map((x) => x / 100),
  );
  await pipeline.commit();
  assert.equal(control.last(0), '12');
  assert.equal(pipeline.inSystem, 0);
});

test('bad records become dead letters in their place, and commits pass them', async () => {
  const { clock, transport, control, pipeline } = setup();
  await pipeline.admitBatch({ topic: 'in', partition: 1, highWatermark: 5, records: records(0, [1, 'oops', null, 4, 5]) }, heartbeat);
  await settle(clock);
  assert.deepEqual(
    transport.sent.map((r) => r.topic),
    ['out', 'dlq', 'dlq', 'out', 'out'],
  );
  assert.equal(transport.sent[1]?.headers?.['scorer.error.reason'], 'FEATURE_TYPE');
  assert.equal(transport.sent[2]?.headers?.['scorer.error.reason'], 'TOMBSTONE');
  assert.equal(transport.sent[1]?.headers?.['scorer.source.offset'], '1');
  await pipeline.commit();
  assert.equal(control.last(1), '5');
});

test('nothing is committed before the brokers acknowledge; failed sends are retried in order', async () => {
  const { clock, transport, control, pipeline } = setup();
  transport.failNext = 2;
  await pipeline.admitBatch({ topic: 'in', partition: 0, highWatermark: 3, records: records(0, [1, 2, 3]) }, heartbeat);
  await settle(clock, 3);
  await pipeline.commit();
  assert.equal(control.last(0), undefined, 'no commit while the send fails');
  for (let i = 0; i < 3; i++) {
    clock.advance(1000);
    await settle(clock);
  }
  assert.deepEqual(
    transport.sent.map((r) => parsed(r).source_offset),
    [0, 1, 2],
  );
  await pipeline.commit();
  assert.equal(control.last(0), '3');
});

test('admission stops at the partition budget and the partition is paused', async () => {
  const { clock, control, pipeline, pool } = setup({ globalBudget: 1000, partitionBudget: 5 });
  pool.hold = true;
  const last = await pipeline.admitBatch(
    {
      topic: 'in',
      partition: 0,
      highWatermark: 20,
      records: records(
        0,
        Array.from({ length: 20 }, (_, i) => i),
      ),
    },
    heartbeat,
  );
  assert.equal(last, '4', 'only the budget was admitted; the rest is fetched again after resume');
  assert.ok(control.paused.has('in:0'));
  assert.equal(pipeline.used, 5);
  for (let i = 0; i < 5; i++) {
    pool.releaseInReverse();
    await settle(clock, 3);
  }
  await pipeline.commit();
  pipeline.evaluateBackpressure();
  assert.ok(!control.paused.has('in:0'), 'resumed once committed work drained');
});

test('a batch the model fails on is bisected: only the failing row is dead-lettered', async () => {
  const { clock, transport, pipeline } = setup();
  await pipeline.admitBatch({ topic: 'in', partition: 0, highWatermark: 4, records: records(0, [10, 11, 13, 12]) }, heartbeat);
  await settle(clock);
  const dead = transport.sent.filter((r) => r.topic === 'dlq');
  assert.equal(dead.length, 1);
  assert.equal(dead[0]?.headers?.['scorer.error.reason'], 'INFERENCE_FAILED');
  assert.equal(dead[0]?.headers?.['scorer.source.offset'], '2');
  assert.equal(transport.sent.filter((r) => r.topic === 'out').length, 3);
});

test('after a revoke, late acknowledgements do not commit for the new generation', async () => {
  const { clock, pool, control, pipeline } = setup();
  pool.hold = true;
  await pipeline.admitBatch({ topic: 'in', partition: 0, highWatermark: 3, records: records(0, [1, 2, 3]) }, heartbeat);
  await settle(clock, 2);
  pipeline.revokeAll();
  pipeline.assign([{ topic: 'in', partition: 0 }]);
  for (let i = 0; i < 3; i++) {
    pool.releaseInReverse();
    await settle(clock, 3);
  }
  await pipeline.commit();
  assert.equal(control.last(0), undefined, 'the new generation admitted nothing, so it commits nothing');
  assert.equal(pipeline.inSystem, 0, 'stale work still drained');
});

test('drain finishes everything admitted and commits it', async () => {
  const { clock, control, pipeline, transport } = setup();
  await pipeline.admitBatch({ topic: 'in', partition: 1, highWatermark: 6, records: records(0, [1, 2, 3, 4, 5, 6]) }, heartbeat);
  const drained = pipeline.drain(10_000);
  await settle(clock);
  assert.equal(await drained, true);
  assert.equal(transport.sent.length, 6);
  assert.equal(control.last(1), '6');
  assert.ok(control.paused.has('in:1'), 'intake paused for shutdown');
  const after = await pipeline.admitBatch({ topic: 'in', partition: 1, highWatermark: 7, records: records(6, [7]) }, heartbeat);
  assert.equal(after, undefined, 'nothing admitted once stopping');
});
