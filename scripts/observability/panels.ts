/**
 * The stream-scorer dashboard, panel by panel: the one file to edit to change it. Every metric named
 * here must be one the scorer exports (test/unit/scripts/observability/dashboards.test.ts checks the
 * generated JSON); `npm run dashboards` writes deploy/observability/grafana/dashboards/stream-scorer.json.
 */
import type { DashboardSpec, RowSpec } from './grafana.ts';
import { mean, percentiles, perSecond } from './queries.ts';

const FLOW: RowSpec = {
  title: 'Flow',
  panels: [
    {
      title: 'Throughput',
      description: 'Records consumed per input topic and predictions acknowledged per model (name:version), per second, over every replica.',
      unit: 'ops',
      queries: [
        perSecond('scorer_events_consumed_total', 'topic', 'consumed {{topic}}'),
        perSecond('scorer_predictions_produced_total', 'model', 'predicted {{model}}'),
      ],
    },
    {
      title: 'End-to-end latency',
      description:
        'Event timestamp to prediction acknowledged by the brokers, over every replica: producer clocks and backlog included. The buckets end at 60 s, so a percentile beyond reads 60 s.',
      unit: 's',
      queries: percentiles('scorer_end_to_end_latency_seconds', [50, 90, 99]),
    },
    {
      title: 'Dead letters by reason',
      description: 'Records sent to the DLQ per second, by reason code (the scorer.error.reason header): see the dead-letter contract in the README.',
      unit: 'ops',
      stacked: true,
      queries: [perSecond('scorer_dlq_records_total', 'reason', '{{reason}}')],
    },
    {
      title: 'Replicas up',
      description: 'Scorer replicas Prometheus scraped successfully: a replica that stops answering /metrics drops out here first.',
      unit: 'short',
      queries: [{ expr: 'sum(up{job="stream-scorer"})', legend: 'replicas up' }],
    },
  ],
};

const LAG: RowSpec = {
  title: 'Lag and backpressure',
  panels: [
    {
      title: 'Lag in records',
      description: 'Log end offset minus the acknowledged watermark, summed per input topic: what a replica would still have to score.',
      unit: 'short',
      queries: [{ expr: 'sum by (topic) (scorer_consumer_lag)', legend: '{{topic}}' }],
    },
    {
      title: 'Lag in seconds',
      description:
        'The worst partition of each topic: its lag over its recent acknowledged rate. +Inf (drawn off the chart) means it lags and makes no progress.',
      unit: 's',
      queries: [{ expr: 'max by (topic) (scorer_consumer_lag_seconds)', legend: '{{topic}}' }],
    },
    {
      title: 'Paused partitions by reason',
      description: 'Partitions backpressure holds paused, by the budget that paused each: partition, lane, global, or a saturated producer.',
      unit: 'short',
      stacked: true,
      queries: [{ expr: 'sum by (reason) (scorer_paused_partitions)', legend: '{{reason}}' }],
    },
    {
      title: 'Saturation',
      description:
        'Uncommitted offsets over the global budget (the scaling signal), the share of partition-time spent paused (last 5 s), and the share of worker threads running a batch.',
      unit: 'percentunit',
      queries: [
        { expr: 'sum(scorer_events_uncommitted) / sum(scorer_events_budget)', legend: 'uncommitted / budget' },
        { expr: 'avg(scorer_paused_time_ratio)', legend: 'paused time' },
        { expr: 'avg(scorer_pool_busy_ratio)', legend: 'pool busy' },
      ],
    },
  ],
};

const BATCHING: RowSpec = {
  title: 'Batching and inference',
  panels: [
    {
      title: 'Batch sizes',
      description: 'Rows per inference batch by model: the mean, the median and the 99th percentile, against the cap batching.targetBatchMs allows now.',
      unit: 'short',
      queries: [
        mean('scorer_batch_size_rows', 'model', 'mean {{model}}'),
        ...percentiles('scorer_batch_size_rows', [50, 99], 'model'),
        { expr: 'max by (model) (scorer_batch_cap_rows)', legend: 'cap {{model}}' },
      ],
    },
    {
      title: 'Inference time per model',
      description: "One batch's model run in its worker (packing and bisecting included), by model.",
      unit: 's',
      queries: percentiles('scorer_inference_seconds', [50, 99], 'model'),
    },
    {
      title: 'Batch wait',
      description: 'How long the oldest row of a batch waited in the batcher before the batch left, by model.',
      unit: 's',
      queries: percentiles('scorer_batch_wait_seconds', [50, 99], 'model'),
    },
    {
      title: 'Produce round trip',
      description: 'One send of the ordered sender until the brokers acknowledged it (acks=all), over every replica.',
      unit: 's',
      queries: percentiles('scorer_produce_seconds', [50, 99]),
    },
  ],
};

const hits = 'sum by (flow) (rate(scorer_enrichment_cache_hits_total[$__rate_interval]))';
const misses = 'sum by (flow) (rate(scorer_enrichment_cache_misses_total[$__rate_interval]))';

const ENRICHMENT: RowSpec = {
  title: 'Enrichment',
  panels: [
    {
      title: 'Cache hit ratio',
      description: 'Enrichment lookups answered by the in-process TTL cache, by flow: the misses are fetched from Redis, in one round trip per batch.',
      unit: 'percentunit',
      queries: [{ expr: `${hits} / (${hits} + ${misses})`, legend: '{{flow}}' }],
    },
  ],
};

const DRIFT: RowSpec = {
  title: 'Drift',
  panels: [
    {
      title: 'Feature drift (PSI)',
      description: 'Population stability index of each feature over the sliding window against its training statistics; above 0.2 is a shift worth a look.',
      unit: 'short',
      queries: [{ expr: 'max by (model, feature) (scorer_feature_psi)', legend: '{{model}} {{feature}}' }],
    },
    {
      title: 'Missing or defaulted features',
      description: 'Share of records in the window whose feature was missing or took its default, by model and feature.',
      unit: 'percentunit',
      queries: [{ expr: 'max by (model, feature) (scorer_feature_missing_ratio)', legend: '{{model}} {{feature}}' }],
    },
  ],
};

export const DASHBOARD: DashboardSpec = {
  uid: 'stream-scorer',
  title: 'stream-scorer',
  rows: [FLOW, LAG, BATCHING, ENRICHMENT, DRIFT],
};
