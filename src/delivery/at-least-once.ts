/**
 * The at-least-once committer: commits each owned partition's acknowledged watermark (everything below
 * it was acknowledged by the brokers) on a timer, and early when acknowledged-but-uncommitted work eats
 * a quarter of a budget, so that commits, not the interval, bound what a crash replays.
 */
import type { Scheduler } from '../core/clock.ts';
import type { Log } from '../core/log.ts';
import type { CommitOffset, GroupConsumer } from '../kafka/client.ts';
import type { Committer, WatermarkSource } from './committer.ts';

export interface AtLeastOnceOptions {
  readonly source: WatermarkSource;
  readonly consumer: Pick<GroupConsumer, 'commit'>;
  readonly intervalMs: number;
  /** How long one commit may take before it is given up on (commit.timeoutMs). */
  readonly timeoutMs: number;
  readonly scheduler: Scheduler;
  readonly log: Log;
  readonly recordCommit: (ok: boolean) => void;
}

export class AtLeastOnceCommitter implements Committer {
  readonly #o: AtLeastOnceOptions;
  #running: Promise<void> | undefined;
  #again: Promise<void> | undefined;
  #cancelTimer: (() => void) | undefined;
  #closed = false;
  /** Commits failed in a row (a broker outage fails one a second): only the first is a warning. */
  #failures = 0;

  constructor(options: AtLeastOnceOptions) {
    this.#o = options;
    this.#arm();
  }

  acknowledged(): void {
    if (this.#o.source.commitDue()) void this.commit();
  }

  commit(): Promise<void> {
    if (this.#running === undefined) {
      this.#running = this.#commitOnce().finally(() => {
        this.#running = undefined;
      });
      return this.#running;
    }
    // A commit is on the wire with watermarks read before this call: queue exactly one more, which
    // reads them afresh once the first is done (a drain that took the running one's promise would
    // leave its last acknowledgements uncommitted).
    this.#again ??= this.#running.then(() => {
      this.#again = undefined;
      return this.commit();
    });
    return this.#again;
  }

  async commitOffsets(offsets: readonly CommitOffset[]): Promise<void> {
    if (offsets.length > 0) await this.#send(offsets);
  }

  async close(): Promise<void> {
    this.#closed = true;
    this.#cancelTimer?.();
    await this.commit();
  }

  async #commitOnce(): Promise<void> {
    const offsets = this.#o.source.movedWatermarks();
    if (offsets.length > 0) await this.#send(offsets);
  }

  /**
   * A failed commit is only logged: the next one carries the same or higher watermarks. While commits
   * keep failing (the coordinator is down), the first failure is a warning and the rest debug lines,
   * until one succeeds again. One that does not settle within timeoutMs counts as failed: the timer
   * re-arms only after a commit settles, so a client call that never did would stop every later commit.
   * Should it settle after all, nothing is marked: the next commit sends the same or higher watermarks.
   */
  async #send(offsets: readonly CommitOffset[]): Promise<void> {
    try {
      const { refused } = await this.#bounded(this.#o.consumer.commit(offsets));
      this.#o.source.committed(refused.length === 0 ? offsets : offsets.filter((o) => !refused.includes(o)));
      this.#o.recordCommit(true);
      if (this.#failures > 0) this.#o.log.info({ failedBefore: this.#failures }, 'commits succeed again');
      this.#failures = 0;
    } catch (error) {
      this.#o.recordCommit(false);
      const fields = { err: error, partitions: offsets.length, failedInARow: ++this.#failures };
      if (this.#failures === 1) this.#o.log.warn(fields, 'commit failed; the next one retries');
      else this.#o.log.debug(fields, 'commit failed again; the next one retries');
    }
  }

  #bounded<T>(call: Promise<T>): Promise<T> {
    const { scheduler, timeoutMs } = this.#o;
    return new Promise<T>((resolve, reject) => {
      const cancel = scheduler.setTimeout(() => reject(new Error(`the commit did not settle within ${timeoutMs} ms (commit.timeoutMs)`)), timeoutMs);
      call.then(
        (value) => {
          cancel();
          resolve(value);
        },
        (error: unknown) => {
          cancel();
          reject(error);
        },
      );
    });
  }

  #arm(): void {
    this.#cancelTimer = this.#o.scheduler.setTimeout(() => {
      void this.commit().finally(() => {
        if (!this.#closed) this.#arm();
      });
    }, this.#o.intervalMs);
  }
}
