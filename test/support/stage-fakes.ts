/**
 * The three stages wired as the service wires them, around doubles of what lies outside: a pool that
 * scores x/100 (and fails on x = 13, for bisecting), a producer that can fail or hold sends, a consumer
 * that records pauses and commits, and a fake clock. These are doubles for fault injection and timing,
 * used only by unit tests; the integration suites run the real broker.
 */

import { FeatureLogWriter } from '../../src/codecs/feature-log-writer.ts';
import { compileFeatureMapper, type FeatureMapper } from '../../src/codecs/features.ts';
import { jsonFormat } from '../../src/codecs/input-format.ts';
import { PredictionWriter } from '../../src/codecs/prediction-encoder.ts';
import type { BatchInput, ReplyOf, ScoreOutcome, ScoreRequest } from '../../src/inference/pool.ts';
import { type RecordsModel, scoreRecords } from '../../src/inference/score-records.ts';
import type { Feeds, ModelEntry } from '../../src/inference/types.ts';
import {
  type Assignment,
  type CommitOffset,
  type CommitResult,
  type ConsumedRecord,
  type GroupConsumer,
  NO_HEADERS,
  type OutgoingRecord,
  partitionKey,
  type TopicPartition,
} from '../../src/kafka/client.ts';
import type { ScoringPool } from '../../src/models/bisect.ts';
import { type ExactlyOnceOptions, ScoringStages, type StageMetrics, type StagesOptions } from '../../src/stages.ts';
import { FakeClock } from './fake-clock.ts';

export const ENTRY: ModelEntry = {
  onnxPath: 'model.onnx',
  config: {
    name: 'm',
    version: 3,
    inputs: [{ name: 'x', dtype: 'float32', fields: [{ field: 'x' }] }],
    outputs: { score: { output: 'p' } },
    missingRequired: 'dlq',
  },
};

/** The real mapper of ENTRY: x must be a number (x === 13 makes the model below fail, for bisecting). */
export const MAPPER: FeatureMapper = compileFeatureMapper(ENTRY.config, { maxStringFeatureLength: 64 });

/** The worker's own logic (decode, extract, bisect, encode) around a model that scores x/100 and fails on 13. */
const MODEL: RecordsModel = {
  config: ENTRY.config,
  mapper: MAPPER,
  async run(feeds: Feeds) {
    const data = feeds['x']?.data as Float32Array;
    if (data.includes(13)) throw new Error('bad row');
    return { scores: Float64Array.from(data, (x) => x / 100) };
  },
};

const CODECS = {
  featureLog: (id: number) => new FeatureLogWriter(id),
  decoder: () => {
    throw new Error('the unit tests send JSON only');
  },
  writer: new PredictionWriter({ format: 'json' }),
};

export class FakePool implements ScoringPool {
  readonly threads = 2;
  readonly depth = 1;
  held: (() => void)[] = [];
  hold = false;
  calls = 0;
  /** Input offsets a worker bug trips on: a batch holding one fails outright (the model stage bisects it). */
  bugAt = new Set<number>();
  async score<R extends ScoreRequest>(build: () => BatchInput<R>): Promise<ScoreOutcome<ReplyOf<R>>> {
    this.calls++;
    const { request } = build();
    if (request.kind !== 'score-records') throw new Error('the fake pool scores model batches only');
    if (this.hold) await new Promise<void>((r) => this.held.push(r));
    if (request.offsets.some((offset) => this.bugAt.has(offset))) {
      return { ok: false, kind: 'model-error', message: 'TypeError: worker bug', attempts: 1 };
    }
    const reply = await scoreRecords(request, MODEL, CODECS, { now: () => 0 });
    return { ok: true, attempts: 1, reply: reply as ReplyOf<R> };
  }
  release(order: 'in-order' | 'reverse' = 'reverse'): void {
    const held = order === 'reverse' ? this.held.reverse() : this.held;
    this.held = [];
    for (const r of held) r();
  }
}

export class FakeProducer {
  sent: OutgoingRecord[] = [];
  failNext = 0;
  /** While set, sends wait for releaseSends(). */
  hold = false;
  #waiting: (() => void)[] = [];
  async send(records: readonly OutgoingRecord[]): Promise<void> {
    if (this.hold) await new Promise<void>((r) => this.#waiting.push(r));
    if (this.failNext > 0) {
      this.failNext--;
      throw new Error('broker down');
    }
    this.sent.push(...records);
  }
  releaseSends(): void {
    const waiting = this.#waiting;
    this.#waiting = [];
    for (const r of waiting) r();
  }
}

export class FakeConsumer {
  paused = new Set<string>();
  commits: CommitOffset[][] = [];
  /** While set, commits wait for releaseCommits(). */
  holdCommits = false;
  #waiting: (() => void)[] = [];
  pause(p: readonly TopicPartition[]) {
    for (const x of p) this.paused.add(partitionKey(x.topic, x.partition));
  }
  resume(p: readonly TopicPartition[]) {
    for (const x of p) this.paused.delete(partitionKey(x.topic, x.partition));
  }
  async commit(offsets: readonly CommitOffset[]): Promise<CommitResult> {
    this.commits.push([...offsets]);
    if (this.holdCommits) await new Promise<void>((r) => this.#waiting.push(r));
    return { refused: [] };
  }
  releaseCommits(): void {
    const waiting = this.#waiting;
    this.#waiting = [];
    for (const r of waiting) r();
  }
  isPaused(partition: number, topic = 'in'): boolean {
    return this.paused.has(partitionKey(topic, partition));
  }
  /** The last offset committed for a partition. */
  last(partition: number): number | undefined {
    for (let i = this.commits.length - 1; i >= 0; i--) {
      const hit = this.commits[i]?.find((c) => c.partition === partition);
      if (hit) return hit.offset;
    }
    return undefined;
  }
}

export const NO_METRICS: StageMetrics = {
  recordConsumed() {},
  recordBatch() {},
  recordFlowBatch() {},
  recordEnrichment() {},
  recordCircuit() {},
  recordDrift() {},
  recordShadowShed() {},
  recordShadow() {},
  recordCanary() {},
  recordAcked() {},
  recordSendFailure() {},
  recordLoad() {},
  recordLag() {},
  recordCommit() {},
  recordRebalance() {},
  forgetPartition() {},
};

export const QUIET_LOG = { debug() {}, info() {}, warn() {}, error() {} };

export interface Budgets {
  globalBudget: number;
  partitionBudget: number;
}

/** What setup() passes on to the stages; `exactlyOnce` gets the fake consumer filled in. */
export interface SetupExtra extends Pick<StagesOptions, 'revocation' | 'presenter'> {
  readonly exactlyOnce?: Omit<ExactlyOnceOptions, 'consumer'>;
}

export function setup(budgets: Budgets = { globalBudget: 1000, partitionBudget: 500 }, extra: SetupExtra = {}) {
  const clock = new FakeClock(1000);
  const pool = new FakePool();
  const producer = new FakeProducer();
  const consumer = new FakeConsumer();
  const fatal: unknown[] = [];
  const stages = new ScoringStages({
    config: {
      batching: { maxBatchSize: 4, maxDelayMs: 1, targetBatchMs: 10 },
      backpressure: { ...budgets, resumeRatio: 0.5, minPauseMs: 0, isolateLanes: true },
      limits: { maxRecordBytes: 1000, maxStringFeatureLength: 100 },
      commit: { intervalMs: 1000, timeoutMs: 5000 },
    },
    models: [ENTRY],
    inputs: [{ topic: 'in', model: 'm', format: jsonFormat() }],
    output: { format: 'json' },
    writerSchema: () => {
      throw new Error('the unit tests send JSON only');
    },
    pool,
    consumer,
    producer,
    target: { topic: 'out', deadLetterTopic: 'dlq' },
    metrics: NO_METRICS,
    log: QUIET_LOG,
    clock,
    scheduler: clock,
    wallClock: () => 5000,
    onFatal: (error) => fatal.push(error),
    ...(extra.revocation === undefined ? {} : { revocation: extra.revocation }),
    ...(extra.presenter === undefined ? {} : { presenter: extra.presenter }),
    // The fake transactions never look at the consumer they are given (sendOffsets).
    ...(extra.exactlyOnce === undefined ? {} : { exactlyOnce: { ...extra.exactlyOnce, consumer: consumer as unknown as GroupConsumer } }),
  });
  const assignment: Assignment[] = [
    { topic: 'in', partition: 0, epoch: 1 },
    { topic: 'in', partition: 1, epoch: 2 },
  ];
  stages.intake.assigned(assignment);
  return { clock, pool, producer, consumer, stages, fatal, assignment };
}

/** Records with JSON values {x}; null makes a tombstone. Keys cycle over three. */
export function records(from: number, values: readonly unknown[]): ConsumedRecord[] {
  return values.map((x, i) => ({
    offset: from + i,
    key: Buffer.from(`k${i % 3}`),
    value: x === null ? null : Buffer.from(JSON.stringify({ x })),
    timestamp: 4000,
    headers: NO_HEADERS,
  }));
}

export function batch(partition: number, from: number, values: readonly unknown[], epoch = partition + 1, highWatermark = from + values.length) {
  return { topic: 'in', partition, epoch, highWatermark, records: records(from, values) };
}

/** Lets promises run and time pass, a little at a time. */
export async function settle(clock: FakeClock, rounds = 20): Promise<void> {
  for (let i = 0; i < rounds; i++) {
    await new Promise((r) => setImmediate(r));
    clock.advance(2);
  }
}

export const parsed = (r: OutgoingRecord) => JSON.parse((r.value as Buffer).toString()) as { source_partition: number; source_offset: number; score: number };

export function header(r: OutgoingRecord | undefined, key: string): string | undefined {
  return r?.headers.find(([k]) => k === key)?.[1].toString();
}
