/**
 * The shape of bench/results/<date>.json: every run the suite made, and the summary the Markdown table
 * is drawn from. Kept apart from the code that fills it so the report and its tests need no Kafka.
 */
import type { LatencySummary } from '../loadgen/types.ts';

/** Subjects driven through Kafka; W1 and W2 are the scorer itself. */
export type SubjectId = 'w1' | 'w2' | 'kafka-kafkajs' | 'kafka-platformatic' | 'naive';

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
}

export interface SustainRun {
  readonly rep: number;
  readonly subject: SubjectId;
  /** Predictions per second while the generator produced as fast as it could: the search's first guess. */
  readonly guess: number;
  /** Highest rate that passed; 0 when none did. */
  readonly rate: number;
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
  /** The chart, relative to the results directory. */
  readonly chart: string;
}

export interface SuiteResults {
  readonly startedAt: string;
  readonly finishedAt: string;
  readonly machine: MachineInfo;
  readonly settings: Settings;
  readonly ceilings: readonly CeilingRun[];
  readonly sustainable: readonly SustainRun[];
  readonly fixed: readonly FixedRun[];
  readonly bursts: readonly BurstRun[];
}
