/**
 * How acknowledged input offsets become durable. At-least-once commits the acknowledged watermark on a
 * timer and early under load (at-least-once.ts); an exactly-once committer sends the offsets inside the
 * producer's transaction instead. Intake only ever sees this interface.
 */
import type { CommitOffset } from '../kafka/client.ts';

/** Where a committer reads what may be committed: intake's owned partitions. */
export interface WatermarkSource {
  /** For each owned partition whose acknowledged watermark passed its last commit: the offset to commit. */
  movedWatermarks(): CommitOffset[];
  /** These offsets are committed now (a refused one, no longer owned, never reaches here). */
  committed(offsets: readonly CommitOffset[]): void;
  /** Acknowledged but uncommitted work is large enough that waiting for the timer would risk too much replay. */
  commitDue(): boolean;
}

export interface Committer {
  /** The brokers acknowledged more records; may commit before the timer. */
  acknowledged(): void;
  /**
   * Commits every watermark as it stands at this call. A commit already running is followed by one
   * more that reads the watermarks after it, so the promise never stands for older watermarks.
   */
  commit(): Promise<void>;
  /** Commits these offsets at once, beside the timer: the last word on partitions being given up. */
  commitOffsets(offsets: readonly CommitOffset[]): Promise<void>;
  /** Stops the timer after a last commit of what is acknowledged. */
  close(): Promise<void>;
}
