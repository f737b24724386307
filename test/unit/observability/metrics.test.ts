import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ScorerMetrics } from '../../../src/observability/metrics.ts';
import { PromPipelineMetrics } from '../../../src/observability/pipeline-metrics.ts';

const NAMES = [
  'scorer_events_consumed_total',
  'scorer_predictions_produced_total',
  'scorer_dlq_records_total',
  'scorer_batch_size_rows',
  'scorer_inference_seconds',
  'scorer_batch_wait_seconds',
  'scorer_end_to_end_latency_seconds',
  'scorer_events_in_system',
  'scorer_events_budget',
  'scorer_paused_partitions',
  'scorer_paused_time_ratio',
  'scorer_consumer_lag',
  'scorer_commits_total',
  'scorer_commit_failures_total',
  'scorer_pool_busy_ratio',
  'scorer_worker_restarts_total',
  'scorer_batch_retries_total',
  'scorer_produce_seconds',
  'scorer_produce_failures_total',
  'scorer_rebalances_total',
  'scorer_build_info',
];

test('the exposition declares every metric, with build info and process metrics', async () => {
  const metrics = new ScorerMetrics({ version: '1.2.3' });
  const text = await metrics.metrics();
  for (const name of NAMES) assert.match(text, new RegExp(`^# TYPE ${name} `, 'm'), name);
  assert.match(text, /^scorer_build_info\{version="1\.2\.3"\} 1$/m);
  // Stock dashboards expect prom-client's default metrics under their own names.
  assert.match(text, /^# TYPE process_cpu_user_seconds_total counter$/m);
  assert.match(text, /^# TYPE nodejs_eventloop_lag_seconds gauge$/m);
  assert.doesNotMatch(text, /^# TYPE scorer_(process|nodejs)_/m);
  assert.match(metrics.contentType, /^text\/plain/);
});

test('recorded values appear with their labels and histogram buckets', async () => {
  const metrics = new ScorerMetrics({ version: 'x', processMetrics: false });
  metrics.eventsConsumed.inc({ topic: 'payments' }, 500);
  metrics.batchSize.observe({ model: 'fraud' }, 3);
  metrics.countDlq('AVRO_DECODE', 2);
  const text = await metrics.metrics();
  assert.match(text, /^scorer_events_consumed_total\{topic="payments"\} 500$/m);
  assert.match(text, /^scorer_batch_size_rows_bucket\{le="2",model="fraud"\} 0$/m);
  assert.match(text, /^scorer_batch_size_rows_bucket\{le="4",model="fraud"\} 1$/m);
  assert.match(text, /^scorer_batch_size_rows_bucket\{le="2048",model="fraud"\} 1$/m);
  assert.match(text, /^scorer_dlq_records_total\{reason="AVRO_DECODE"\} 2$/m);
  assert.doesNotMatch(text, /^process_/m);
});

test('paused partitions are exported by reason, zeros included, as recordLoad gets them', async () => {
  const metrics = new ScorerMetrics({ version: 'x', processMetrics: false });
  const pipeline = new PromPipelineMetrics(metrics, { threads: 1, busy: 0, workerRestarts: 0, batchRetries: 0 });
  const byReason = new Map([
    ['lane-budget', 3],
    ['global-budget', 0],
  ] as const);
  pipeline.recordLoad(10, 8, byReason);
  let text = await metrics.metrics();
  assert.match(text, /^scorer_paused_partitions\{reason="lane-budget"\} 3$/m);
  assert.match(text, /^scorer_paused_partitions\{reason="global-budget"\} 0$/m);
  assert.match(text, /^scorer_events_uncommitted 8$/m);
  pipeline.recordLoad(10, 8, new Map([...byReason, ['lane-budget', 0]]));
  text = await metrics.metrics();
  assert.match(text, /^scorer_paused_partitions\{reason="lane-budget"\} 0$/m, 'a change after the first call is published');
});

test('the pool busy ratio is the share of threads running a batch, 1 at most though each thread holds two', async () => {
  const metrics = new ScorerMetrics({ version: 'x', processMetrics: false });
  const pool = { threads: 4, busy: 1, workerRestarts: 0, batchRetries: 0 };
  const pipeline = new PromPipelineMetrics(metrics, pool);
  const timings = { inferMs: 1, decodeMs: 0, encodeMs: 0 };
  pipeline.recordBatch('fraud:1', 10, timings, 0, 100);
  assert.match(await metrics.metrics(), /^scorer_pool_busy_ratio 0\.25$/m);
  pool.busy = 8;
  pipeline.recordBatch('fraud:1', 10, timings, 0, 100);
  assert.match(await metrics.metrics(), /^scorer_pool_busy_ratio 1$/m);
});

test('removePartition drops only that partition’s series', async () => {
  const metrics = new ScorerMetrics({ version: 'x', processMetrics: false });
  for (const partition of [0, 1]) {
    metrics.consumerLag.set({ topic: 'payments', partition }, 10 + partition);
  }
  metrics.removePartition('payments', 0);
  const text = await metrics.metrics();
  assert.doesNotMatch(text, /partition="0"/);
  assert.match(text, /^scorer_consumer_lag\{topic="payments",partition="1"\} 11$/m);
});

test('instances have separate registries', async () => {
  const a = new ScorerMetrics({ version: 'a', processMetrics: false });
  const b = new ScorerMetrics({ version: 'b', processMetrics: false });
  a.commits.inc();
  assert.match(await a.metrics(), /^scorer_commits_total 1$/m);
  assert.match(await b.metrics(), /^scorer_commits_total 0$/m);
});

test('shadow divergence, shedding and the canary state, as PromPipelineMetrics records them from a reply', async () => {
  const metrics = new ScorerMetrics({ version: 'x', processMetrics: false });
  const pipeline = new PromPipelineMetrics(metrics, { threads: 1, busy: 0, workerRestarts: 0, batchRetries: 0 });
  const scored = {
    encoded: new Uint8Array(0),
    recordEnds: new Int32Array(3),
    rowRecords: new Int32Array(3),
    scoreDiff: Float64Array.from([0.002, Number.NaN, 0.3]),
    labelAgreement: Int8Array.from([1, -1, 0]),
    errors: 1,
  };
  pipeline.recordShadow('fraud', 'fraud:1', 'fraud:2', scored);
  pipeline.recordShadowShed('fraud', 40);
  pipeline.recordCanary('fraud', 'fraud:3', true);
  pipeline.recordCanary('fraud', 'fraud:3', false);
  const text = await metrics.metrics();
  const labels = 'flow="fraud",primary="fraud:1",candidate="fraud:2"';
  assert.match(text, new RegExp(`^scorer_shadow_score_diff_count\\{${labels}\\} 2$`, 'm'), 'a record not compared is not observed');
  assert.match(text, new RegExp(`^scorer_shadow_label_comparisons_total\\{${labels}\\} 2$`, 'm'));
  assert.match(text, new RegExp(`^scorer_shadow_label_agreements_total\\{${labels}\\} 1$`, 'm'));
  assert.match(text, new RegExp(`^scorer_shadow_errors_total\\{${labels}\\} 1$`, 'm'));
  assert.match(text, /^scorer_shadow_shed_total\{flow="fraud"\} 40$/m);
  assert.match(text, /^scorer_canary_state\{flow="fraud",candidate="fraud:3"\} 0$/m);
  assert.match(text, /^scorer_canary_rollbacks_total\{flow="fraud",candidate="fraud:3"\} 1$/m);
});
