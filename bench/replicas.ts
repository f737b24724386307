/**
 * Scorer replicas of one subject in one consumer group, for the scale-out stage: each its own process
 * (bench/subject.ts), on the same topics and group, so they share the input's partitions as an
 * operator's replicas would.
 */
import { firstPredictionMs } from '../devtools/first-prediction.ts';
import { clock, type Drainer } from './drain.ts';
import type { SubjectId } from './results.ts';
import { type RunContext, type RunTopics, startCatalogSubject } from './runner.ts';
import type { SubjectHandle } from './subject.ts';

/** How long a replica may take to predict once ready: beyond it the figure is "never". */
const FIRST_PREDICTION_TIMEOUT_MS = 60_000;

export interface Replica {
  readonly handle: SubjectHandle;
  /** When its process was spawned, on drain.ts's clock (epoch ms). */
  readonly spawnedAt: number;
  /** Spawn to ready: the consumer holds its partitions. */
  readonly readyMs: number;
}

export async function startReplica(ctx: RunContext, subject: SubjectId, topics: RunTopics): Promise<Replica> {
  const spawnedAt = clock();
  const handle = await startCatalogSubject(ctx, subject, topics);
  return { handle, spawnedAt, readyMs: clock() - spawnedAt };
}

/** Spawn to the replica's first prediction, from its /metrics; null when none came in time. */
export async function firstPrediction(replica: Replica): Promise<number | null> {
  const { metrics } = replica.handle;
  if (metrics === undefined) throw new Error(`a ${replica.handle.kind} subject has no /metrics to read its first prediction from`);
  // firstPredictionMs counts on Date.now(); spawnedAt is on drain.ts's clock.
  return firstPredictionMs(metrics, Date.now() - (clock() - replica.spawnedAt), FIRST_PREDICTION_TIMEOUT_MS);
}

/** The replicas as one pipe: CPU and memory summed over the processes, exited as soon as one of them is. */
export function asOne(replicas: readonly Replica[]): Drainer {
  const sum = (read: (h: SubjectHandle) => number | undefined): number | undefined => {
    let total = 0;
    for (const { handle } of replicas) {
      const value = read(handle);
      if (value === undefined) return undefined;
      total += value;
    }
    return total;
  };
  return {
    exited: Promise.race(replicas.map((r) => r.handle.exited)),
    cpuTicks: () => sum((h) => h.cpuTicks()),
    rssMiB: () => sum((h) => h.rssMiB()),
  };
}

/** Stops every replica at once (SIGTERM, then SIGKILL after the subject's timeout). */
export async function stopAll(replicas: readonly Replica[]): Promise<void> {
  await Promise.all(replicas.map((r) => r.handle.stop()));
}
