/**
 * The load generator's contracts: what a run is asked to do (LoadOptions) and what it reports
 * (LoadResult). The CLI (loadgen/main.ts) and the benchmark suite (bench/) both drive `runLoad` with
 * these, so the JSON a user writes with `--out` and the JSON the suite commits have the same shape.
 */

/** Events per second, or as fast as the producer can go. */
export type Rate = number | 'max';

export interface Phase {
  readonly rate: Rate;
  /** How long the phase lasts. A 'max' phase may instead end at LoadOptions.count. */
  readonly durationMs: number;
}

/** Phases run back to back; a fixed rate is one phase. */
export interface LoadProfile {
  readonly phases: readonly Phase[];
}

export type KeyDistribution = { readonly kind: 'uniform' } | { readonly kind: 'zipf'; readonly exponent: number };

export type WireFormat = 'avro' | 'json';

export interface LoadOptions {
  readonly brokers: readonly string[];
  /** The topic events are produced to (the scorer's input). Must exist. */
  readonly inputTopic: string;
  /** The topic predictions are read from (the scorer's output). Must exist. */
  readonly outputTopic: string;
  readonly format: WireFormat;
  /** Needed when format or the predictions are Avro. */
  readonly registryUrl: string;
  readonly profile: LoadProfile;
  readonly keys: KeyDistribution;
  /** Distinct account ids (the Kafka key). */
  readonly accounts: number;
  readonly seed: number;
  /** Stop producing after this many events, whatever the profile says. */
  readonly count?: number;
  /** After the last phase: how long to wait for the predictions still owed before calling them missing. */
  readonly drainTimeoutMs: number;
  /** Predictions for events scheduled in the first warmupMs are counted but left out of the latency histograms. */
  readonly warmupMs: number;
  /** The scorer's consumer group: when given, its committed lag is sampled every second. */
  readonly consumerGroup?: string;
  /** Resident memory of the process under test, in MiB, sampled every second when given. */
  readonly sampleRssMiB?: () => number | undefined;
  /** Called about once a second while the run goes on. */
  readonly onProgress?: (progress: Progress) => void;
  readonly signal?: AbortSignal;
}

/** A live view of the run, for the progress line. */
export interface Progress {
  readonly elapsedMs: number;
  /** Index into profile.phases of the phase now running; phases.length while draining. */
  readonly phase: number;
  readonly targetRate: Rate;
  /** Events the schedule has called for so far. */
  readonly scheduled: number;
  /** Events the broker acknowledged. */
  readonly sent: number;
  /**
   * Events due but not yet handed to Kafka because the producer is at its bound of sends in flight:
   * how far the load generator itself is behind its schedule (they go out late, and the delay counts
   * as latency). 0 while it keeps up.
   */
  readonly behind?: number;
  /** Distinct predictions received. */
  readonly predicted: number;
  /** sent − predicted. */
  readonly outstanding: number;
  /** Over the last second. */
  readonly sendRate: number;
  readonly predictRate: number;
  /** End-to-end latency of the predictions received in the last second, ms; null when none arrived. */
  readonly p99Ms: number | null;
  readonly rssMiB?: number;
}

export interface LatencySummary {
  readonly count: number;
  /** Milliseconds. */
  readonly mean: number;
  readonly p50: number;
  readonly p90: number;
  readonly p99: number;
  readonly p999: number;
  readonly max: number;
}

/** One second of the run. */
export interface TimelinePoint {
  /** Seconds since the first event was scheduled; the point covers [t − 1, t). */
  readonly t: number;
  readonly targetRate: Rate;
  /** Events acknowledged by the broker during this second. */
  readonly sent: number;
  /** Predictions received during this second (duplicates included). */
  readonly received: number;
  /** Of those, predictions for an input offset predicted before: what a rebalance or a crash replayed. */
  readonly duplicates: number;
  /** Events sent but not yet predicted, at the end of the second. */
  readonly outstanding: number;
  /** The scorer group's committed lag summed over partitions, when a group was given. */
  readonly groupLag?: number;
  /** Latency of the predictions received during this second, ms; null when none arrived. */
  readonly p50Ms: number | null;
  readonly p99Ms: number | null;
  readonly maxMs: number | null;
  readonly rssMiB?: number;
}

export interface PhaseResult {
  readonly rate: Rate;
  readonly durationMs: number;
  /** Events scheduled in this phase that the broker acknowledged, however late. */
  readonly sent: number;
  /**
   * Events acknowledged while this phase ran, per second of it: below the phase's rate when the load
   * generator (or the broker) could not keep up, which `sent` alone would hide.
   */
  readonly achievedSendRate: number;
  /** Latency of predictions for events scheduled in this phase (after warmup). */
  readonly latency: LatencySummary;
}

export interface LoadResult {
  readonly startedAt: string;
  readonly options: {
    readonly inputTopic: string;
    readonly outputTopic: string;
    readonly format: WireFormat;
    readonly profile: LoadProfile;
    readonly keys: KeyDistribution;
    readonly accounts: number;
    readonly seed: number;
    readonly warmupMs: number;
  };
  /** First scheduled event to last prediction received (or drain timeout). */
  readonly durationMs: number;
  readonly sent: number;
  readonly sendErrors: number;
  /** Predictions received, duplicates included. */
  readonly received: number;
  /** Input offsets that got at least one prediction. */
  readonly distinct: number;
  readonly duplicates: number;
  /** Input offsets produced by this run with no prediction by the end of the drain. */
  readonly missing: number;
  /** distinct / (time from first event to last prediction), events per second. */
  readonly throughput: number;
  /** All predictions after warmup. */
  readonly latency: LatencySummary;
  readonly phases: readonly PhaseResult[];
  readonly lag: {
    /** Largest `outstanding` seen. */
    readonly peakOutstanding: number;
    readonly peakGroupLag?: number;
    /** From the end of the last phase until outstanding reached 0; null if it never did. */
    readonly drainMs: number | null;
  };
  readonly memory?: { readonly startMiB: number; readonly peakMiB: number; readonly endMiB: number };
  readonly timeline: readonly TimelinePoint[];
  /**
   * CPU the load generator itself used from the first event to the end of the drain (user + system),
   * seconds. On a shared machine it competes with what it measures: divide by durationMs for cores.
   */
  readonly generatorCpuSeconds?: number;
  /** What the counts do not say: send and decode errors with their last message, client errors, skipped predictions. */
  readonly notes?: readonly string[];
}
