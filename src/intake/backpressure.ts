/**
 * Partition-level pause/resume with hysteresis (notes §6.2). Pausing is how a saturated replica slows its
 * intake: Kafka keeps the backlog durably, so nothing is rejected. Pausing is not free (librdkafka purges
 * prefetched data on pause; kafkajs refetches), so a partition resumes only well below the marks that
 * paused it, and not before minPauseMs: without both it would flap around the budget.
 */

import type { Clock } from '../core/clock.ts';
import { ScorerError } from '../errors.ts';

export interface BackpressureOptions {
  /** Events in the system across all partitions; at or above it every partition pauses. */
  globalBudget: number;
  /** Events in the system for one partition; at or above it that partition pauses. */
  partitionBudget: number;
  /** Resume at or below this share of every mark that can pause (0 < ratio <= 1). */
  resumeRatio: number;
  minPauseMs: number;
}

export interface PartitionLoad {
  key: string;
  /** Uncommitted offsets of this partition. */
  used: number;
  /** Uncommitted offsets of the lane it feeds, and that lane's budget (PartitionTable.lane); absent: no lanes. */
  lane?: { readonly used: number; readonly budget: number };
}

export interface LoadSnapshot {
  partitions: readonly PartitionLoad[];
  globalUsed: number;
  producerSaturated: boolean;
}

export const PAUSE_REASONS = ['partition-budget', 'lane-budget', 'global-budget', 'producer-saturated'] as const;
export type PauseReason = (typeof PAUSE_REASONS)[number];

export interface BackpressureChanges {
  pause: string[];
  resume: string[];
}

interface KeyState {
  pausedAt: number | undefined;
  reason: PauseReason | undefined;
}

export class BackpressureController {
  readonly #options: BackpressureOptions;
  readonly #clock: Clock;
  readonly #keys = new Map<string, KeyState>();
  /** Paused partitions by the reason each was paused for; exported per reason, so the operator sees which budget binds. */
  readonly #pausedByReason = new Map<PauseReason, number>(PAUSE_REASONS.map((r) => [r, 0]));
  #pausedCount = 0;
  #accruedAt: number;
  #pausedTime = 0;
  #totalTime = 0;

  constructor(options: BackpressureOptions, clock: Clock) {
    const { globalBudget, partitionBudget, resumeRatio, minPauseMs } = options;
    const budgets = globalBudget > 0 && partitionBudget > 0;
    if (!(budgets && resumeRatio > 0 && resumeRatio <= 1 && minPauseMs >= 0)) {
      const message = 'backpressure needs positive budgets, 0 < resumeRatio <= 1, minPauseMs >= 0';
      throw new ScorerError('SCORER_ERR_INVARIANT', message, { details: { ...options } });
    }
    this.#options = { globalBudget, partitionBudget, resumeRatio, minPauseMs };
    this.#clock = clock;
    this.#accruedAt = clock.now();
  }

  /** Decides each partition in the snapshot; returns only the changes. Keys not in the snapshot are left alone. */
  evaluate(snapshot: LoadSnapshot): BackpressureChanges {
    const now = this.#clock.now();
    this.#accrue(now);
    const globalReason = this.#globalReason(snapshot);
    const changes: BackpressureChanges = { pause: [], resume: [] };
    for (const load of snapshot.partitions) {
      let state = this.#keys.get(load.key);
      if (state === undefined) {
        state = { pausedAt: undefined, reason: undefined };
        this.#keys.set(load.key, state);
      }
      if (state.pausedAt === undefined) {
        const reason = globalReason ?? this.#partitionReason(load);
        if (reason !== undefined) {
          state.pausedAt = now;
          state.reason = reason;
          this.#countPaused(reason, 1);
          changes.pause.push(load.key);
        }
      } else if (now - state.pausedAt >= this.#options.minPauseMs && this.#canResume(load, snapshot)) {
        this.#countPaused(state.reason, -1);
        state.pausedAt = undefined;
        state.reason = undefined;
        changes.resume.push(load.key);
      }
    }
    return changes;
  }

  isPaused(key: string): boolean {
    return this.#keys.get(key)?.pausedAt !== undefined;
  }

  /** Why a partition was paused (the first cause seen), for logs; undefined when running. */
  pauseReason(key: string): PauseReason | undefined {
    return this.#keys.get(key)?.reason;
  }

  get pausedCount(): number {
    return this.#pausedCount;
  }

  /** Paused partitions by the first cause each was paused for; every reason present, 0 when none. */
  get pausedByReason(): ReadonlyMap<PauseReason, number> {
    return this.#pausedByReason;
  }

  /** Partition revoked: forget it; the paused time it had so far still counts. */
  forget(key: string): void {
    const state = this.#keys.get(key);
    if (state === undefined) return;
    this.#accrue(this.#clock.now());
    if (state.pausedAt !== undefined) this.#countPaused(state.reason, -1);
    this.#keys.delete(key);
  }

  /** Share of partition-time spent paused since the last call (0 when no partition-time passed). */
  pausedTimeRatio(): number {
    this.#accrue(this.#clock.now());
    const share = this.#totalTime > 0 ? this.#pausedTime / this.#totalTime : 0;
    this.#pausedTime = 0;
    this.#totalTime = 0;
    return share;
  }

  #globalReason(snapshot: LoadSnapshot): PauseReason | undefined {
    if (snapshot.producerSaturated) return 'producer-saturated';
    if (snapshot.globalUsed >= this.#options.globalBudget) return 'global-budget';
    return undefined;
  }

  #partitionReason(load: PartitionLoad): PauseReason | undefined {
    if (load.used >= this.#options.partitionBudget) return 'partition-budget';
    return load.lane !== undefined && load.lane.used >= load.lane.budget ? 'lane-budget' : undefined;
  }

  #canResume(load: PartitionLoad, snapshot: LoadSnapshot): boolean {
    const { partitionBudget, globalBudget, resumeRatio } = this.#options;
    const laneDrained = load.lane === undefined || load.lane.used <= resumeRatio * load.lane.budget;
    return !snapshot.producerSaturated && load.used <= resumeRatio * partitionBudget && snapshot.globalUsed <= resumeRatio * globalBudget && laneDrained;
  }

  #countPaused(reason: PauseReason | undefined, delta: 1 | -1): void {
    this.#pausedCount += delta;
    if (reason !== undefined) this.#pausedByReason.set(reason, (this.#pausedByReason.get(reason) ?? 0) + delta);
  }

  /** Known partitions and the paused ones among them held steady since the last accrual. */
  #accrue(now: number): void {
    const elapsed = now - this.#accruedAt;
    this.#accruedAt = now;
    if (elapsed <= 0) return;
    this.#pausedTime += elapsed * this.#pausedCount;
    this.#totalTime += elapsed * this.#keys.size;
  }
}
