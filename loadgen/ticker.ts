/**
 * The run's one-second clock: at each whole second since the first event it appends a timeline point
 * (what was sent and predicted during that second, what is outstanding, lag, latency, memory) and
 * reports progress. Ticks are aligned to the run's start, so a late tick does not shift the ones after it.
 */

import type { Collector } from './collector.ts';
import type { RunLatency } from './latency.ts';
import type { OpenLoopProducer } from './open-loop-producer.ts';
import { phaseAt } from './profile.ts';
import type { OpenLoopSchedule } from './schedule.ts';
import type { LoadOptions, Rate, TimelinePoint } from './types.ts';

export interface RunParts {
  readonly collector: Collector;
  readonly openLoop: OpenLoopProducer;
  readonly schedule: OpenLoopSchedule;
  readonly latency: RunLatency;
}

export class Ticker {
  readonly #options: LoadOptions;
  readonly #parts: RunParts;
  readonly #t0: number;
  readonly #clock: () => number;
  readonly #groupLag: () => number | undefined;
  readonly #points: TimelinePoint[] = [];
  #timer: NodeJS.Timeout | undefined;
  #stopped = false;
  #lastSent = 0;
  #lastReceived = 0;
  #lastDuplicates = 0;
  #peakOutstanding = 0;
  #peakRss: number | undefined;

  constructor(options: LoadOptions, parts: RunParts, t0: number, clock: () => number, groupLag: () => number | undefined) {
    this.#options = options;
    this.#parts = parts;
    this.#t0 = t0;
    this.#clock = clock;
    this.#groupLag = groupLag;
  }

  start(): void {
    this.#schedule(1);
  }

  stop(): void {
    this.#stopped = true;
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  points(): TimelinePoint[] {
    return this.#points;
  }

  peakOutstanding(): number {
    return this.#peakOutstanding;
  }

  /** Start, peak and end resident memory of the process under test, when it was sampled. */
  memory(startMiB: number | undefined, endMiB: number | undefined): { startMiB: number; peakMiB: number; endMiB: number } | undefined {
    if (startMiB === undefined || endMiB === undefined) return undefined;
    return { startMiB, peakMiB: Math.max(startMiB, endMiB, this.#peakRss ?? 0), endMiB };
  }

  #schedule(second: number): void {
    if (this.#stopped) return;
    const delay = this.#t0 + second * 1000 - this.#clock();
    this.#timer = setTimeout(
      () => {
        // Timers round their delay down to whole milliseconds and may fire a fraction early: wait it out, so
        // a point never ends before its second does.
        if (this.#clock() < this.#t0 + second * 1000) return this.#schedule(second);
        this.#tick(second);
        this.#schedule(second + 1);
      },
      Math.max(0, Math.ceil(delay)),
    );
  }

  #tick(second: number): void {
    const { collector, openLoop, schedule, latency } = this.#parts;
    const sent = openLoop.sent;
    const received = collector.received;
    const duplicates = collector.duplicates;
    const outstanding = Math.max(0, sent - collector.distinct);
    const window = latency.takeSecond();
    const rssMiB = this.#options.sampleRssMiB?.();
    const groupLag = this.#groupLag();
    this.#peakOutstanding = Math.max(this.#peakOutstanding, outstanding);
    if (rssMiB !== undefined) this.#peakRss = Math.max(this.#peakRss ?? 0, rssMiB);
    const point: TimelinePoint = {
      t: second,
      targetRate: this.#rateAt((second - 1) * 1000),
      sent: sent - this.#lastSent,
      received: received - this.#lastReceived,
      duplicates: duplicates - this.#lastDuplicates,
      outstanding,
      ...(groupLag === undefined ? {} : { groupLag }),
      ...window,
      ...(rssMiB === undefined ? {} : { rssMiB }),
    };
    this.#points.push(point);
    this.#lastSent = sent;
    this.#lastReceived = received;
    this.#lastDuplicates = duplicates;
    const elapsedMs = this.#clock() - this.#t0;
    this.#options.onProgress?.({
      elapsedMs,
      phase: schedule.phaseAt(elapsedMs),
      targetRate: this.#rateAt(elapsedMs),
      scheduled: schedule.scheduled,
      sent,
      behind: openLoop.behind,
      predicted: collector.distinct,
      outstanding,
      sendRate: point.sent,
      predictRate: point.received,
      p99Ms: window.p99Ms,
      ...(rssMiB === undefined ? {} : { rssMiB }),
    });
  }

  /** The offered rate at `elapsedMs`; 0 once production has stopped. */
  #rateAt(elapsedMs: number): Rate {
    const ended = this.#parts.schedule.endedAtMs;
    if (ended !== undefined && elapsedMs >= ended) return 0;
    return phaseAt(this.#options.profile, elapsedMs)?.rate ?? 0;
  }
}
