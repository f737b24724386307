/**
 * What the pipeline records, once per batch or per send, never per message on its own. The prom-client
 * implementation lives in observability/; tests can pass a plain recorder.
 */
import type { Outgoing } from './work.ts';

export interface PipelineMetrics {
  recordConsumed(topic: string, records: number): void;
  recordBatch(model: string, rows: number, inferMs: number, waitMs: number): void;
  /** A send was acknowledged: counts predictions and DLQ records, observes end-to-end latency. */
  recordAcked(outgoing: readonly Outgoing[], sendMs: number, nowWallMs: number): void;
  recordSendFailure(): void;
  /** inSystem: events held in memory; used: uncommitted window checked against the budget. */
  recordLoad(inSystem: number, used: number, pausedPartitions: number): void;
  recordLag(topic: string, partition: number, lagRecords: number, commitGap: number): void;
  recordCommit(ok: boolean): void;
  recordRebalance(): void;
  forgetPartition(topic: string, partition: number): void;
}
