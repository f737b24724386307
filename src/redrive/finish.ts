/**
 * When a redrive is done: every DLQ partition read to its end offset and every outcome acknowledged.
 * A partition whose last offsets are transaction markers (a DLQ written by an exactly-once scorer)
 * never delivers a record at them, so a partition that delivered nothing for IDLE_MS, while nothing else
 * is held, counts as read too, and the summary names where it stopped. Policy only: the clock and the
 * scheduler are injected.
 */
import type { Scheduler } from '../core/clock.ts';
import type { EndSnapshot } from './end-snapshot.ts';

export interface Finish {
  /** False when a signal stopped the run first. */
  readonly finished: boolean;
  /** Partitions ended by idleness below their end offset. */
  readonly idle: readonly { readonly partition: number; readonly next: number; readonly end: number }[];
}

export interface FinishWatch {
  readonly snapshot: EndSnapshot;
  /** Records read so far: any change is progress. */
  readonly read: () => number;
  /** Records admitted and not yet acknowledged, and batches still being admitted. */
  readonly holding: () => number;
  /** The consumer has its partitions (idleness counts from then). */
  readonly assigned: () => boolean;
  readonly cancelled: () => boolean;
  /** Rejects the wait with the error once the pipeline cannot go on. */
  readonly failed: Promise<Error>;
  /** Called on every poll (backpressure's minimum pause times run out between acknowledgements). */
  readonly tick: () => void;
  readonly now: () => number;
  readonly scheduler: Scheduler;
}

export const POLL_MS = 100;
export const IDLE_MS = 10_000;

export function untilFinished(w: FinishWatch): Promise<Finish> {
  return new Promise<Finish>((resolve, reject) => {
    let lastRead = w.read();
    let quietSince: number | undefined;
    let cancel = () => {};
    void w.failed.then((error) => {
      cancel();
      reject(error);
    });
    const poll = () => {
      w.tick();
      const now = w.now();
      if (w.read() !== lastRead || !w.assigned() || w.holding() > 0) quietSince = undefined;
      else quietSince ??= now;
      lastRead = w.read();
      if (w.cancelled()) return resolve({ finished: false, idle: [] });
      if (w.holding() === 0 && w.snapshot.done) return resolve({ finished: true, idle: [] });
      if (quietSince !== undefined && now - quietSince >= IDLE_MS) return resolve({ finished: true, idle: w.snapshot.unfinished() });
      cancel = w.scheduler.setTimeout(poll, POLL_MS);
    };
    poll();
  });
}
