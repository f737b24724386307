/** The unit of work that flows through the pipeline: one consumed record. */
import type { InputRecord } from '../ingest/types.ts';
import type { OutRecord } from '../sink/types.ts';
import type { PartitionState } from './partition-state.ts';

export interface Work {
  readonly part: PartitionState;
  readonly offset: number;
  readonly record: InputRecord;
  /** Record timestamp (ms since epoch): the event's time for lineage and end-to-end latency. */
  readonly timestamp: number;
  /** Extracted features; absent for records that went straight to the dead-letter topic. */
  row?: unknown;
}

export type OutcomeKind = 'prediction' | 'dead-letter';

/** A finished record waiting in its partition's sequencer for its turn to be sent. */
export interface Outgoing {
  readonly work: Work;
  readonly kind: OutcomeKind;
  readonly out: OutRecord;
  /** Model label for metrics ("name") or DLQ reason code. */
  readonly tag: string;
}
