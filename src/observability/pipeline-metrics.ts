/**
 * The stages' metrics on prom-client: per-batch and per-send recording, aggregated before it touches a
 * metric, so the hot path pays one observe per batch rather than one per message. Pool counters are
 * read as deltas (the pool counts; this file publishes).
 */
import { Gauge } from 'prom-client';
import type { Outgoing } from '../delivery/outgoing.ts';
import type { DriftCounts } from '../drift/bin-counter.ts';
import type { DriftMonitor } from '../drift/drift-monitor.ts';
import type { DlqReason } from '../errors.ts';
import type { FlowScoredReply, ShadowScored } from '../inference/protocol.ts';
import type { PauseReason } from '../intake/backpressure.ts';
import type { CircuitTransition } from '../models/circuit-breaker.ts';
import type { WorkerTimings } from '../models/stage.ts';
import type { StageMetrics } from '../stages.ts';
import type { ScorerMetrics } from './metrics.ts';

export interface PoolCounters {
  readonly threads: number;
  readonly busy: number;
  readonly workerRestarts: number;
  readonly batchRetries: number;
}

export class PromPipelineMetrics implements StageMetrics {
  readonly #m: ScorerMetrics;
  readonly #pool: PoolCounters;
  readonly #uncommitted: Gauge;
  readonly #pausedPublished = new Map<PauseReason, number>();
  #restartsSeen = 0;
  #retriesSeen = 0;

  readonly #drift: DriftMonitor | undefined;

  /** `drift`: where the workers' drift bin counts go, read at each scrape (ScorerMetrics.watchDrift). */
  constructor(metrics: ScorerMetrics, pool: PoolCounters, drift?: DriftMonitor) {
    this.#m = metrics;
    this.#drift = drift;
    this.#pool = pool;
    this.#uncommitted = new Gauge({
      name: 'scorer_events_uncommitted',
      help: 'Offsets admitted but not yet committed (what a crash would replay); checked against the budget',
      registers: [metrics.registry],
    });
  }

  recordConsumed(topic: string, records: number): void {
    if (records > 0) this.#m.eventsConsumed.inc({ topic }, records);
  }

  recordBatch(model: string, rows: number, timings: WorkerTimings, waitMs: number, cap: number): void {
    this.#m.batchSize.observe({ model }, rows);
    this.#m.batchCap.set({ model }, cap);
    this.#m.inferenceSeconds.observe({ model }, timings.inferMs / 1000);
    this.#m.workerDecodeSeconds.observe({ model }, timings.decodeMs / 1000);
    this.#m.workerEncodeSeconds.observe({ model }, timings.encodeMs / 1000);
    this.#m.batchWaitSeconds.observe({ model }, Math.max(0, waitMs) / 1000);
    this.#publishPool();
  }

  recordFlowBatch(flow: string, hookMs: Readonly<Record<string, number>>, fallbacks: Readonly<Record<string, number>>): void {
    for (const [hook, ms] of Object.entries(hookMs)) this.#m.hookSeconds.observe({ flow, hook }, ms / 1000);
    for (const [reason, n] of Object.entries(fallbacks)) this.#m.fallbacks.inc({ flow, reason }, n);
  }

  recordEnrichment(flow: string, reply: FlowScoredReply): void {
    const { enrichment } = reply;
    if (enrichment === undefined) return;
    const labels = { flow };
    if (enrichment.hits > 0) this.#m.enrichmentCacheHits.inc(labels, enrichment.hits);
    if (enrichment.misses > 0) this.#m.enrichmentCacheMisses.inc(labels, enrichment.misses);
    for (const { outcome, ms, keys } of enrichment.lookups) {
      this.#m.enrichmentLookups.inc({ flow, outcome });
      this.#m.enrichmentLookupSeconds.observe(labels, ms / 1000);
      this.#m.enrichmentKeysPerLookup.observe(labels, keys);
    }
    if (enrichment.defaulted > 0) this.#m.enrichmentDefaulted.inc(labels, enrichment.defaulted);
    if (reply.handedBack !== undefined) this.#m.enrichmentHandedBack.inc(labels);
  }

  recordDrift(model: string, counts: DriftCounts): void {
    this.#drift?.record(model, counts);
  }

  recordCircuit(flow: string, transition: CircuitTransition): void {
    const value = transition.to === 'open' ? 1 : transition.to === 'half-open' ? 0.5 : 0;
    this.#m.circuitState.set({ flow, model: transition.model }, value);
    this.#m.circuitTransitions.inc({ flow, model: transition.model, to: transition.to });
  }

  recordShadowShed(flow: string, rows: number): void {
    this.#m.shadowShed.inc({ flow }, rows);
  }

  recordShadow(flow: string, primary: string, candidate: string, scored: ShadowScored): void {
    const labels = { flow, primary, candidate };
    if (scored.errors > 0) this.#m.shadowErrors.inc(labels, scored.errors);
    const diff = this.#m.shadowScoreDiff.labels(labels);
    for (const d of scored.scoreDiff) if (!Number.isNaN(d)) diff.observe(d);
    let compared = 0;
    let agreed = 0;
    for (const a of scored.labelAgreement) {
      if (a < 0) continue;
      compared++;
      agreed += a;
    }
    if (compared > 0) this.#m.shadowLabelComparisons.inc(labels, compared);
    if (agreed > 0) this.#m.shadowLabelAgreements.inc(labels, agreed);
  }

  recordCanary(flow: string, candidate: string, active: boolean): void {
    this.#m.canaryState.set({ flow, candidate }, active ? 1 : 0);
    if (!active) this.#m.canaryRollbacks.inc({ flow, candidate });
  }

  recordAcked(outgoing: readonly Outgoing[], sendMs: number, nowWallMs: number): void {
    const predictions = new Map<string, number>();
    const dead = new Map<string, number>();
    for (const o of outgoing) {
      const counts = o.kind === 'prediction' ? predictions : dead;
      counts.set(o.tag, (counts.get(o.tag) ?? 0) + 1);
      if (o.fanOut !== undefined) for (const more of o.fanOut) predictions.set(more.tag, (predictions.get(more.tag) ?? 0) + 1);
      this.#m.endToEndLatencySeconds.observe((nowWallMs - o.source.timestamp) / 1000);
    }
    for (const [model, n] of predictions) this.#m.predictionsProduced.inc({ model }, n);
    for (const [reason, n] of dead) this.#m.countDlq(reason as DlqReason, n);
    this.#m.produceSeconds.observe(sendMs / 1000);
  }

  recordSendFailure(): void {
    this.#m.sendFailures.inc();
  }

  recordLoad(inSystem: number, used: number, pausedByReason: ReadonlyMap<PauseReason, number>): void {
    this.#m.eventsInSystem.set(inSystem);
    this.#uncommitted.set(used);
    // Called on every fetch and acknowledgement; the counts move only on a pause or a resume.
    for (const [reason, partitions] of pausedByReason) {
      if (this.#pausedPublished.get(reason) === partitions) continue;
      this.#m.pausedPartitions.set({ reason }, partitions);
      this.#pausedPublished.set(reason, partitions);
    }
  }

  recordLag(topic: string, partition: number, lagRecords: number, lagSeconds: number | undefined): void {
    this.#m.consumerLag.set({ topic, partition }, Math.max(0, lagRecords));
    if (lagSeconds !== undefined) this.#m.consumerLagSeconds.set({ topic, partition }, lagSeconds);
  }

  recordCommit(ok: boolean): void {
    (ok ? this.#m.commits : this.#m.commitFailures).inc();
  }

  recordRebalance(): void {
    this.#m.rebalances.inc();
  }

  forgetPartition(topic: string, partition: number): void {
    this.#m.removePartition(topic, partition);
  }

  #publishPool(): void {
    // A thread holds up to two batches (one running, one waiting at its port: InferencePool.depth), so
    // batches in flight over threads would read 2 on a saturated pool; a thread with any batch is running one.
    this.#m.poolBusyRatio.set(Math.min(this.#pool.busy, this.#pool.threads) / this.#pool.threads);
    const restarts = this.#pool.workerRestarts;
    const retries = this.#pool.batchRetries;
    if (restarts > this.#restartsSeen) this.#m.workerRestarts.inc(restarts - this.#restartsSeen);
    if (retries > this.#retriesSeen) this.#m.batchRetries.inc(retries - this.#retriesSeen);
    this.#restartsSeen = restarts;
    this.#retriesSeen = retries;
  }
}
