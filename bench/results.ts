/**
 * The shape of bench/results/<date>.json: every run the suite made, and the summary the Markdown table
 * is drawn from. Kept apart from the code that fills it so the report and its tests need no Kafka.
 */
import type { LatencySummary } from '../loadgen/types.ts';

/**
 * Subjects driven through Kafka (bench/catalog.ts says what each is): the scorer on W1 per client, W2
 * on the default client, the pass-through per client and the naive scorer.
 */
export type SubjectId = 'w1-kafkajs' | 'w1-platformatic' | 'w1-eos-platformatic' | 'w2' | 'passthrough-kafkajs' | 'passthrough-platformatic' | 'naive';

/** The subjects of a drain rotation: W1 and the pass-through on each client, and W1 in exactly-once mode. */
export type DrainSubjectId = 'w1-kafkajs' | 'passthrough-kafkajs' | 'w1-platformatic' | 'w1-eos-platformatic' | 'passthrough-platformatic';

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
}
