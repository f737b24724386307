/**
 * The shape of bench/results/<date>.json: every run the suite made, and the summary the Markdown table
 * is drawn from. Kept apart from the code that fills it so the report and its tests need no Kafka.
 */
import type { LatencySummary } from '../loadgen/types.ts';
import type { ClientName } from '../src/kafka/client.ts';

/**
 * Subjects driven through Kafka (bench/catalog.ts says what each is): the scorer on W1 per client (on
 * platformatic also in exactly-once mode and through a flow), W2 on the default client, the
 * pass-through per client and the naive scorer.
 */
export type SubjectId =
  | 'w1-kafkajs'
  | 'w1-platformatic'
  | 'w1-eos-platformatic'
  | 'w1-flow-platformatic'
  | 'w1-traced-platformatic'
  | 'w1-enrich0-platformatic'
  | 'w1-enrich90-platformatic'
  | 'w2'
  | 'passthrough-kafkajs'
  | 'passthrough-platformatic'
  | 'naive';

/**
 * The subjects of a drain rotation: W1 and the pass-through on each client, W1 in exactly-once mode,
 * through a flow and traced, and W1 with enrichment from Redis at cache hit ratios of 0% and 90%.
 */
export type DrainSubjectId =
  | 'w1-kafkajs'
  | 'passthrough-kafkajs'
  | 'w1-platformatic'
  | 'w1-flow-platformatic'
  | 'w1-traced-platformatic'
  | 'w1-enrich0-platformatic'
  | 'w1-enrich90-platformatic'
  | 'w1-eos-platformatic'
  | 'passthrough-platformatic';

export interface MachineInfo {
  readonly cores: number;
  readonly cpuModel: string;
  readonly memoryGiB: number;
  readonly os: string;
  readonly node: string;
  readonly kafka: string;
  /** The broker runs on the same machine as the scorer and the generator. */
  readonly brokerColocated: boolean;
}

export interface Settings {
  readonly mode: 'full' | 'quick' | 'custom';
  readonly repeat: number;
  /** Length of each fixed-rate and sustainability trial. */
  readonly trialSeconds: number;
  /** Length of each burst phase (steady, 10x, steady). */
  readonly burstPhaseSeconds: number;
  /** Inference threads, for the scorer and the inference ceiling alike. */
  readonly threads: number;
  readonly partitions: number;
  readonly fixedRates: readonly number[];
  readonly burstBaseRate: number;
  /** W1 events produced before each drain subject starts. */
  readonly backlogEvents: number;
  /** /proc clock ticks per second the CPU figures were converted with. */
  readonly clockTicksPerSecond: number;
  readonly scaleOut: ScaleOutSettings;
}

export interface ScaleOutSettings {
  /** Replica counts, in the order run; ratios are taken against the first. */
  readonly replicaCounts: readonly number[];
  readonly partitions: number;
  /** W1 events the replicas, started together, drain. */
  readonly backlogEvents: number;
  /** Offered rate while replicas leave and join. */
  readonly rate: number;
  /** Length of each window of the steady load: before, after the leave, after the join. */
  readonly windowSeconds: number;
}

export interface CeilingRun {
  readonly rep: number;
  readonly model: 'fraud' | 'heavy';
  readonly threads: number;
  readonly results: readonly { readonly batchSize: number; readonly rowsPerSec: number; readonly msPerBatch: number }[];
  readonly best: { readonly batchSize: number; readonly rowsPerSec: number };
}

export interface TrialRecord {
  readonly rate: number;
  readonly sustained: boolean;
  readonly reasons: readonly string[];
  readonly throughput: number;
  readonly p99Ms: number;
  readonly peakOutstanding: number;
  readonly peakRssMiB: number | null;
  /** Subject CPU (user + system, all threads) per prediction, from the end of the warmup to the end of the phase. */
  readonly cpuUsPerEvent: number | null;
}

export interface SustainRun {
  readonly rep: number;
  readonly subject: SubjectId;
  /** Predictions per second while the generator produced as fast as it could: the search's first guess. */
  readonly guess: number;
  /** Highest rate that passed; 0 when none did. */
  readonly rate: number;
  /** CPU per event of the trial at `rate`; null when none passed or CPU could not be read. */
  readonly cpuUsPerEvent: number | null;
  readonly trials: readonly TrialRecord[];
}

export interface FixedRun {
  readonly rep: number;
  readonly rate: number;
  readonly sustained: boolean;
  readonly throughput: number;
  readonly latency: LatencySummary;
  readonly missing: number;
  readonly duplicates: number;
  readonly peakRssMiB: number | null;
  /** Scorer CPU per prediction after the warmup: at low rates mostly the cost of idling. */
  readonly cpuUsPerEvent: number | null;
}

export interface BurstRun {
  readonly rep: number;
  readonly baseRate: number;
  readonly peakRate: number;
  readonly peakOutstanding: number;
  /** From the end of the 10x phase until the lag was back to what steady load leaves; null if never. */
  readonly recoverMs: number | null;
  readonly rss: { readonly startMiB: number; readonly peakMiB: number; readonly endMiB: number } | null;
  /**
   * RSS growth from the start of the last steady phase to the end of the run. V8 keeps the pages a
   * burst made it take, so "flat" means no further growth once the load is back to normal, not a
   * return to the starting figure.
   */
  readonly settledGrowthMiB: number | null;
  /** p99 per phase: steady, burst, steady again (does latency recover?). */
  readonly p99ByPhaseMs: readonly number[];
  readonly missing: number;
  readonly duplicates: number;
  /** Scorer CPU per prediction over the three phases. */
  readonly cpuUsPerEvent: number | null;
  /** The chart, relative to the results directory. */
  readonly chart: string;
}

/** Rate and CPU per event over one stretch of a drain. */
export interface DrainFigures {
  /** Predictions in the stretch. */
  readonly events: number;
  readonly seconds: number;
  readonly eventsPerSec: number | null;
  readonly cpuUsPerEvent: number | null;
  /** CPU seconds per second: above 1 only with threads besides the main one (the scorer's inference). */
  readonly cores: number | null;
}

/**
 * One subject draining a backlog produced before it started: PROTOCOL.md's closed-loop measure of how
 * fast a pipe can go, as the issue measured it. `steady` is what the tables report.
 */
export interface DrainRun {
  /** The rotation (A, B, C, D, A, B, C, D ...) this drain belongs to. */
  readonly rep: number;
  readonly subject: DrainSubjectId;
  /** Input records the backlog holds (the input offsets, so a retried send counts). */
  readonly events: number;
  /** How fast the load generator's producer wrote the backlog. */
  readonly produceEventsPerSec: number;
  /** From spawn to ready (the consumer holds its partitions). */
  readonly startMs: number;
  /** CPU the subject used before it was ready: loading code and models, joining. */
  readonly startCpuMs: number | null;
  /** From ready to the last new prediction; null when the drain did not complete. */
  readonly drainMs: number | null;
  /** From ready to the end of the drain. */
  readonly whole: DrainFigures | null;
  /** The middle of the drain by prediction count (bench/windows.ts steadyWindow). */
  readonly steady: DrainFigures | null;
  readonly missing: number;
  readonly duplicates: number;
  readonly peakRssMiB: number | null;
  /** Why a drain is incomplete or a figure is missing. */
  readonly notes: readonly string[];
}

/** What one rebalance of a scale-out run did, from its action to the next one (or the end of the load). */
interface RebalanceBase {
  /** Replicas before and after. */
  readonly from: number;
  readonly to: number;
  /** Seconds after the load's first event that the replica was sent SIGTERM or spawned. */
  readonly atS: number;
  /** Predictions received in the window for input offsets predicted before (the collector's count, from the output topic). */
  readonly duplicates: number;
  /** p99 end to end of the events scheduled in the window. */
  readonly p99Ms: number;
}

export interface LeaveRecord extends RebalanceBase {
  readonly kind: 'leave';
  /** SIGTERM to exit: the leaver finishing its work in flight; null when it had to be killed. */
  readonly exitMs: number | null;
  readonly exitCode: number | null;
}

export interface JoinRecord extends RebalanceBase {
  readonly kind: 'join';
  /** Spawn to ready (/readyz: it holds its partitions); null when it did not start. */
  readonly readyMs: number | null;
  /** Spawn to its first prediction (its /metrics); null when none came. */
  readonly firstPredictionMs: number | null;
  /**
   * The CPU the joiner had used by then (user + system, all threads): what a start costs, which the
   * neighbours of a shared machine move much less than the wall time. null when not read.
   */
  readonly firstPredictionCpuMs: number | null;
  /** Why it did not start (then `to` equals `from`); null when it did. */
  readonly failure: string | null;
}

export type RebalanceRecord = LeaveRecord | JoinRecord;

/** A backlog drained by a group of replicas started together. */
export interface GroupDrain {
  readonly events: number;
  /** Spawn to the moment every replica had predicted (the group formed); null when one never did. */
  readonly formedMs: number | null;
  /** Spawn to first prediction, per replica: a cold start into a waiting backlog. */
  readonly firstPredictionMs: readonly (number | null)[];
  /** Spawn to the last new prediction; null when the drain did not complete. */
  readonly drainMs: number | null;
  /** From the group formed (and 10% of the backlog) to 90%: rate, and CPU of all replicas together per event. */
  readonly steady: DrainFigures | null;
  /** While the group formed: the replicas joined each other on the backlog. */
  readonly duplicates: number;
  readonly missing: number;
  /** Sum over the replicas. */
  readonly peakRssMiB: number | null;
}

/**
 * PROTOCOL.md's scale-out workload for one replica count on one client: the replicas, started
 * together, drain a backlog (throughput, CPU per event); then under steady load the oldest leaves on
 * SIGTERM and a new one joins (duplicates per rebalance, the joiner's time to first prediction).
 */
export interface ScaleOutRun {
  readonly rep: number;
  readonly client: ClientName;
  readonly replicas: number;
  readonly drain: GroupDrain | null;
  readonly load: {
    readonly rate: number;
    /** Over the whole load, rebalances included. */
    readonly missing: number;
    readonly duplicates: number;
    readonly peakOutstanding: number;
  } | null;
  /** The leave, then the join. */
  readonly rebalances: readonly RebalanceRecord[];
  /** Why a figure is missing, and anything that went wrong. */
  readonly notes: readonly string[];
}

export interface SuiteResults {
  readonly startedAt: string;
  readonly finishedAt: string;
  readonly machine: MachineInfo;
  readonly settings: Settings;
  readonly ceilings: readonly CeilingRun[];
  readonly drains: readonly DrainRun[];
  readonly sustainable: readonly SustainRun[];
  readonly fixed: readonly FixedRun[];
  readonly bursts: readonly BurstRun[];
  readonly scaleOut: readonly ScaleOutRun[];
}
