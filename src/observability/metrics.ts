/**
 * The service's Prometheus metrics, on a registry of its own (never prom-client's global one, so that
 * tests and several instances in one process do not collide). The only module that imports
 * prom-client. Record once per batch, not per event; labels are bounded: topic, partition, model and
 * DLQ reason only.
 */
import { Counter, collectDefaultMetrics, exponentialBuckets, Gauge, Histogram, Registry } from 'prom-client';
import type { DlqReason } from '../errors.ts';

const PREFIX = 'scorer_';

// Histogram bounds: rows for batchSize; seconds for the rest, 1-2.5-5 per decade over the range each measures.
export const BUCKETS = {
  batchSize: exponentialBuckets(1, 2, 12), // 1, 2, 4, ..., 2048
  inference: [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1],
  batchWait: [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
  endToEnd: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
  produce: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
  // |primary score - shadow score|: scores are mostly probabilities, so the range is [0, 1].
  scoreDiff: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1],
  // Distinct keys a batch asked Redis for: up to a batch's rows times its lookups.
  keysPerLookup: exponentialBuckets(1, 2, 13), // 1, 2, 4, ..., 4096
} as const;

export interface ScorerMetricsOptions {
  /** Reported as scorer_build_info{version}. */
  version: string;
  /** Process metrics (CPU, memory, event loop lag, GC), unprefixed as stock dashboards expect them. @defaultValue true */
  processMetrics?: boolean;
}

type PartitionLabels = 'topic' | 'partition';

/** One model's drift as the gauges take it (the shape of drift/drift-monitor.ts's readings). */
export interface DriftReading {
  readonly model: string;
  readonly features: readonly { readonly feature: string; readonly psi: number; readonly missingRatio: number }[];
}

export class ScorerMetrics {
  readonly registry = new Registry();

  readonly eventsConsumed: Counter<'topic'>;
  readonly predictionsProduced: Counter<'model'>;
  readonly dlqRecords: Counter<'reason'>;
  readonly batchSize: Histogram<'model'>;
  readonly batchCap: Gauge<'model'>;
  readonly inferenceSeconds: Histogram<'model'>;
  /** The inference worker decoding a batch's records and extracting their features. */
  readonly workerDecodeSeconds: Histogram<'model'>;
  /** The inference worker encoding a batch's predictions. */
  readonly workerEncodeSeconds: Histogram<'model'>;
  /** How long the oldest row of a batch waited in the batcher. */
  readonly batchWaitSeconds: Histogram<'model'>;
  /** Event timestamp to produce acknowledged. */
  readonly endToEndLatencySeconds: Histogram;
  readonly eventsInSystem: Gauge;
  readonly eventsBudget: Gauge;
  /** By the budget that paused them: partition-budget, lane-budget, global-budget, producer-saturated. */
  readonly pausedPartitions: Gauge<'reason'>;
  /** Share of recent partition-time spent paused (0..1). */
  readonly pausedTimeRatio: Gauge;
  readonly consumerLag: Gauge<PartitionLabels>;
  readonly consumerLagSeconds: Gauge<PartitionLabels>;
  readonly commits: Counter;
  readonly commitFailures: Counter;
  readonly poolBusyRatio: Gauge;
  readonly workerRestarts: Counter;
  readonly batchRetries: Counter;
  /** One producer round trip (send / sendBatch until acknowledged). */
  readonly produceSeconds: Histogram;
  /** Produce attempts that failed and were retried. */
  readonly sendFailures: Counter;
  readonly rebalances: Counter;
  /** One hook call on one batch of a flow, in its inference worker. */
  readonly hookSeconds: Histogram<'flow' | 'hook'>;
  /** Predictions a flow's fallback answered, because the model did not. */
  readonly fallbacks: Counter<'flow' | 'reason'>;
  /** A flow model's circuit: 0 closed, 0.5 half-open, 1 open. */
  readonly circuitState: Gauge<'flow' | 'model'>;
  readonly circuitTransitions: Counter<'flow' | 'model' | 'to'>;
  /** Hot reloads by outcome: switched, failed (the served version kept serving), rolled_back. */
  readonly modelReloads: Counter<'model' | 'result'>;
  /** The version each model serves now (bare refs and its plain lane). */
  readonly modelServedVersion: Gauge<'model'>;
  /** Rows of flow batches whose shadow scoring was shed under pressure (flows/shadow-shedding.ts). */
  readonly shadowShed: Counter<'flow'>;
  /** Rows a shadow candidate gave no prediction for: counted, never dead-lettered. */
  readonly shadowErrors: Counter<'flow' | 'primary' | 'candidate'>;
  readonly shadowScoreDiff: Histogram<'flow' | 'primary' | 'candidate'>;
  /** Shadow records whose label was compared with the primary's, and those that agreed: the agreement ratio. */
  readonly shadowLabelComparisons: Counter<'flow' | 'primary' | 'candidate'>;
  readonly shadowLabelAgreements: Counter<'flow' | 'primary' | 'candidate'>;
  /** 1 while a flow's canary takes its share, 0 once rolled back. */
  readonly canaryState: Gauge<'flow' | 'candidate'>;
  readonly canaryRollbacks: Counter<'flow' | 'candidate'>;
  readonly buildInfo: Gauge<'version'>;
  /** Enrichment from Redis (issue 11): distinct keys per batch that the worker's cache answered, or not. */
  readonly enrichmentCacheHits: Counter<'flow'>;
  readonly enrichmentCacheMisses: Counter<'flow'>;
  /** Round trips to Redis, retries included, by outcome: ok, error, timeout. */
  readonly enrichmentLookups: Counter<'flow' | 'outcome'>;
  readonly enrichmentLookupSeconds: Histogram<'flow'>;
  readonly enrichmentKeysPerLookup: Histogram<'flow'>;
  /** Records scored with their enrichment defaults because Redis was unavailable (onUnavailable: defaults). */
  readonly enrichmentDefaulted: Counter<'flow'>;
  /** Batches handed back to be sent again because Redis was unavailable (onUnavailable: wait). */
  readonly enrichmentHandedBack: Counter<'flow'>;
  /** Per model and feature, over the drift window: PSI against training, and the share of missing (defaulted) values. */
  readonly featurePsi: Gauge<'model' | 'feature'>;
  readonly featureMissingRatio: Gauge<'model' | 'feature'>;
  #drift: (() => readonly DriftReading[]) | undefined;

  constructor(options: ScorerMetricsOptions) {
    const registers = [this.registry];
    const counter = <L extends string>(name: string, help: string, labelNames: readonly L[] = []) =>
      new Counter<L>({ name: PREFIX + name, help, labelNames, registers });
    const gauge = <L extends string>(name: string, help: string, labelNames: readonly L[] = []) =>
      new Gauge<L>({ name: PREFIX + name, help, labelNames, registers });
    const histogram = <L extends string>(name: string, help: string, buckets: readonly number[], labelNames: readonly L[] = []) =>
      new Histogram<L>({ name: PREFIX + name, help, buckets: [...buckets], labelNames, registers });
    const partition = ['topic', 'partition'] as const;

    this.eventsConsumed = counter('events_consumed_total', 'Records fetched from input topics', ['topic']);
    this.predictionsProduced = counter('predictions_produced_total', 'Predictions acknowledged by the brokers', ['model']);
    this.dlqRecords = counter('dlq_records_total', 'Records sent to the dead-letter topic', ['reason']);
    this.batchSize = histogram('batch_size_rows', 'Rows per inference batch', BUCKETS.batchSize, ['model']);
    this.batchCap = gauge(
      'batch_cap_rows',
      'Rows the next batch may have: what batching.targetBatchMs allows by the measured batch time, at most maxBatchSize',
      ['model'],
    );
    this.inferenceSeconds = histogram('inference_seconds', 'Model run time of one batch (packing and bisecting included)', BUCKETS.inference, ['model']);
    this.workerDecodeSeconds = histogram('worker_decode_seconds', 'Decoding and feature extraction of one batch, in its inference worker', BUCKETS.inference, [
      'model',
    ]);
    this.workerEncodeSeconds = histogram('worker_encode_seconds', 'Prediction encoding of one batch, in its inference worker', BUCKETS.inference, ['model']);
    this.batchWaitSeconds = histogram('batch_wait_seconds', 'Time the oldest row of a batch waited in the batcher', BUCKETS.batchWait, ['model']);
    this.endToEndLatencySeconds = histogram('end_to_end_latency_seconds', 'Event timestamp to prediction acknowledged', BUCKETS.endToEnd);
    this.eventsInSystem = gauge('events_in_system', 'Events buffered, scoring or awaiting acknowledgement');
    this.eventsBudget = gauge('events_budget', 'Global budget of events in the system');
    this.pausedPartitions = gauge('paused_partitions', 'Partitions paused by backpressure, by the reason each was paused for', ['reason']);
    this.pausedTimeRatio = gauge('paused_time_ratio', 'Share of partition-time spent paused over the last 5 s');
    this.consumerLag = gauge('consumer_lag', 'Records between the log end offset and the acknowledged watermark', partition);
    this.consumerLagSeconds = gauge(
      'consumer_lag_seconds',
      "Lag in records over the partition's recent acknowledged rate; +Inf when it lags and makes no progress",
      partition,
    );
    this.commits = counter('commits_total', 'Offset commits that succeeded');
    this.commitFailures = counter('commit_failures_total', 'Offset commits that failed');
    this.poolBusyRatio = gauge('pool_busy_ratio', 'Share of worker threads running a batch');
    this.workerRestarts = counter('worker_restarts_total', 'Inference worker threads replaced after dying');
    this.batchRetries = counter('batch_retries_total', 'Batches retried after their worker died');
    this.sendFailures = counter('produce_failures_total', 'Produce attempts that failed; the same records are retried');
    this.produceSeconds = histogram('produce_seconds', 'One producer round trip until acknowledged', BUCKETS.produce);
    this.rebalances = counter('rebalances_total', 'Consumer group rebalances this member took part in');
    this.hookSeconds = histogram('hook_seconds', "One hook's call on one flow batch, in its inference worker", BUCKETS.inference, ['flow', 'hook']);
    this.fallbacks = counter('fallbacks_total', "Predictions a flow's fallback gave because its model failed on the record", ['flow', 'reason']);
    this.circuitState = gauge('circuit_state', "A flow model's circuit: 0 closed, 0.5 half-open (tried again), 1 open (the fallback answers)", [
      'flow',
      'model',
    ]);
    this.circuitTransitions = counter('circuit_transitions_total', "Changes of a flow model's circuit, by the state entered", ['flow', 'model', 'to']);
    this.modelReloads = counter('model_reload_total', 'Model reloads by result: switched, failed (the served version kept serving), rolled_back', [
      'model',
      'result',
    ]);
    this.modelServedVersion = gauge('model_served_version', 'The version each model serves now', ['model']);
    const shadow = ['flow', 'primary', 'candidate'] as const;
    this.shadowShed = counter('shadow_shed_total', 'Records whose shadow scoring was shed because their flow lane was under pressure', ['flow']);
    this.shadowErrors = counter('shadow_errors_total', 'Records a shadow candidate gave no prediction for (counted, never dead-lettered)', shadow);
    this.shadowScoreDiff = histogram('shadow_score_diff', '|primary score - shadow score| per shadow prediction', BUCKETS.scoreDiff, shadow);
    this.shadowLabelComparisons = counter('shadow_label_comparisons_total', "Shadow predictions whose label was compared with the primary's", shadow);
    this.shadowLabelAgreements = counter('shadow_label_agreements_total', "Shadow predictions whose label equals the primary's", shadow);
    this.canaryState = gauge('canary_state', "1 while a flow's canary takes its share of records, 0 once rolled back", ['flow', 'candidate']);
    this.canaryRollbacks = counter('canary_rollbacks_total', 'Canaries rolled back for breaching a bound', ['flow', 'candidate']);
    this.enrichmentCacheHits = counter('enrichment_cache_hits_total', "Distinct keys of a flow batch the worker's enrichment cache answered", ['flow']);
    this.enrichmentCacheMisses = counter('enrichment_cache_misses_total', 'Distinct keys of a flow batch the enrichment cache lacked (asked of Redis)', [
      'flow',
    ]);
    this.enrichmentLookups = counter('enrichment_lookups_total', 'Enrichment round trips to Redis (retries included), by outcome: ok, error, timeout', [
      'flow',
      'outcome',
    ]);
    this.enrichmentLookupSeconds = histogram('enrichment_lookup_seconds', 'One enrichment round trip to Redis, failed ones included', BUCKETS.inference, [
      'flow',
    ]);
    this.enrichmentKeysPerLookup = histogram('enrichment_keys_per_lookup', 'Keys asked of Redis in one enrichment round trip', BUCKETS.keysPerLookup, ['flow']);
    this.enrichmentDefaulted = counter('enrichment_defaulted_total', 'Records scored with enrichment defaults because Redis was unavailable', ['flow']);
    this.enrichmentHandedBack = counter('enrichment_handed_back_total', 'Flow batches handed back to wait because Redis was unavailable', ['flow']);
    this.buildInfo = gauge('build_info', 'Always 1; the version is in the label', ['version']);
    this.buildInfo.set({ version: options.version }, 1);
    const drift = ['model', 'feature'] as const;
    this.featurePsi = gauge('feature_psi', "Population stability index of a feature over the drift window against the model's training bins", drift);
    this.featureMissingRatio = gauge('feature_missing_ratio', 'Share of values of a feature missing (and defaulted) over the drift window', drift);

    if (options.processMetrics ?? true) collectDefaultMetrics({ register: this.registry });
  }

  /** Where the drift gauges are read from at each scrape (drift/drift-monitor.ts). */
  watchDrift(read: () => readonly DriftReading[]): void {
    this.#drift = read;
  }

  /** Prometheus text exposition of every metric. */
  metrics(): Promise<string> {
    this.#readDrift();
    return this.registry.metrics();
  }

  /** A scrape sees the window as it is then; a model whose window emptied drops out. */
  #readDrift(): void {
    if (this.#drift === undefined) return;
    this.featurePsi.reset();
    this.featureMissingRatio.reset();
    for (const { model, features } of this.#drift()) {
      for (const f of features) {
        this.featurePsi.set({ model, feature: f.feature }, f.psi);
        this.featureMissingRatio.set({ model, feature: f.feature }, f.missingRatio);
      }
    }
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  /** Drops the per-partition series of a revoked partition, so a departed partition stops reporting lag. */
  removePartition(topic: string, partition: number): void {
    this.consumerLag.remove({ topic, partition });
    this.consumerLagSeconds.remove({ topic, partition });
  }

  /** Typed shorthand for the DLQ counter: reasons are the closed set of src/errors.ts. */
  countDlq(reason: DlqReason, count = 1): void {
    this.dlqRecords.inc({ reason }, count);
  }
}
