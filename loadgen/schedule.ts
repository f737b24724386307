/**
 * The open-loop timetable as two cursors: events the profile has called for by now (`advance`), and
 * events handed to the producer (`take`). The gap between them is the backlog: events due but not yet
 * sent because the producer is behind. They keep their intended times, so the delay shows as latency.
 * Pure: the producer passes in the elapsed time.
 */

import { dueInPhase, eventsInPhase, type PhaseWindow, phaseWindows } from './profile.ts';
import type { LoadProfile, Rate } from './types.ts';

/** A contiguous run of events of one phase, to send in order. */
export interface ScheduledRun {
  readonly phase: number;
  readonly rate: Rate;
  /** Index of the run's first event within its phase. */
  readonly first: number;
  readonly count: number;
  /** When the phase started, ms since the run's start. */
  readonly phaseStartMs: number;
}

export class OpenLoopSchedule {
  readonly #windows: readonly PhaseWindow[];
  /** Events each rate phase calls for in full; Infinity for max phases and open-ended ones. */
  readonly #phaseTotals: readonly number[];
  readonly #limit: number;
  /** Events scheduled so far, per phase. */
  readonly #scheduledIn: number[];
  #phase = 0;
  #scheduled = 0;
  #takePhase = 0;
  #takeIndex = 0;
  #taken = 0;
  #endedAtMs: number | undefined;

  /** `count` caps the events of the whole run, whatever the profile says. */
  constructor(profile: LoadProfile, count = Infinity) {
    if (!(count >= 0)) throw new RangeError(`count must be >= 0, got ${count}`);
    this.#windows = phaseWindows(profile);
    this.#phaseTotals = profile.phases.map((p) => (p.rate === 'max' ? Infinity : eventsInPhase(p.rate, p.durationMs)));
    this.#limit = count;
    this.#scheduledIn = profile.phases.map(() => 0);
    this.#checkEnd(0);
  }

  /** Events the schedule has called for (max phases: handed out) so far. */
  get scheduled(): number {
    return this.#scheduled;
  }

  get taken(): number {
    return this.#taken;
  }

  /** Due but not yet handed to the producer. */
  get backlog(): number {
    return this.#scheduled - this.#taken;
  }

  /** No more events will be scheduled: the profile or the count ran out, or `stop` was called. */
  get ended(): boolean {
    return this.#endedAtMs !== undefined;
  }

  /** Ended and every scheduled event taken. */
  get finished(): boolean {
    return this.ended && this.backlog === 0;
  }

  /** When scheduling ended, ms since the start: the profile's end, the count's last event, or the stop. */
  get endedAtMs(): number | undefined {
    return this.#endedAtMs;
  }

  /** Events scheduled in each phase so far. */
  scheduledPerPhase(): readonly number[] {
    return this.#scheduledIn;
  }

  /** The phase running at `elapsedMs`, or the number of phases once scheduling ended. */
  phaseAt(elapsedMs: number): number {
    if (this.ended) return this.#windows.length;
    const index = this.#windows.findIndex((w) => elapsedMs < w.endMs);
    return index < 0 ? this.#windows.length : index;
  }

  /** Schedules every rate-phase event due by `elapsedMs` (max phases schedule on `take`). */
  advance(elapsedMs: number): void {
    while (!this.ended) {
      const window = this.#windows[this.#phase] as PhaseWindow;
      const past = elapsedMs >= window.endMs;
      if (window.rate !== 'max') {
        const total = this.#phaseTotals[this.#phase] as number;
        const due = past ? total : dueInPhase(window.rate, elapsedMs - window.startMs, window.endMs - window.startMs);
        this.#schedule(due - (this.#scheduledIn[this.#phase] as number));
        if (this.#scheduled >= this.#limit) {
          const last = (this.#scheduledIn[this.#phase] as number) - 1;
          this.#end(window.startMs + (last * 1000) / window.rate);
          return;
        }
      }
      if (!past) return;
      this.#phase++;
      this.#checkEnd(window.endMs);
    }
  }

  /**
   * Hands out up to `max` events: the backlog first, in schedule order, one phase per run; then, in a
   * max phase, `max` new events intended now. Undefined when there is nothing to send.
   */
  take(max: number, elapsedMs: number): ScheduledRun | undefined {
    while (this.#taken < this.#scheduled) {
      const available = (this.#scheduledIn[this.#takePhase] as number) - this.#takeIndex;
      if (available <= 0) {
        this.#takePhase++;
        this.#takeIndex = 0;
        continue;
      }
      return this.#takeRun(Math.min(available, max));
    }
    const window = this.#windows[this.#phase];
    if (this.ended || window?.rate !== 'max' || elapsedMs >= window.endMs) return undefined;
    this.#takePhase = this.#phase;
    this.#takeIndex = this.#scheduledIn[this.#phase] as number;
    this.#schedule(Math.min(max, this.#limit - this.#scheduled));
    if (this.#scheduled >= this.#limit) this.#end(elapsedMs);
    return this.#takeRun(this.#scheduled - this.#taken);
  }

  /** Ends scheduling at `elapsedMs` and drops the backlog: an aborted run sends nothing more. */
  stop(elapsedMs: number): void {
    if (!this.ended) this.#end(elapsedMs);
    for (let p = this.#takePhase; p < this.#scheduledIn.length; p++) {
      this.#scheduledIn[p] = p === this.#takePhase ? this.#takeIndex : 0;
    }
    this.#scheduled = this.#taken;
  }

  #schedule(n: number): void {
    const add = Math.max(0, Math.min(n, this.#limit - this.#scheduled));
    this.#scheduledIn[this.#phase] = (this.#scheduledIn[this.#phase] as number) + add;
    this.#scheduled += add;
  }

  #takeRun(count: number): ScheduledRun {
    const window = this.#windows[this.#takePhase] as PhaseWindow;
    const run = { phase: this.#takePhase, rate: window.rate, first: this.#takeIndex, count, phaseStartMs: window.startMs };
    this.#takeIndex += count;
    this.#taken += count;
    return run;
  }

  #checkEnd(atMs: number): void {
    if (this.#phase >= this.#windows.length || this.#scheduled >= this.#limit) this.#end(atMs);
  }

  #end(atMs: number): void {
    this.#endedAtMs ??= atMs;
  }
}
