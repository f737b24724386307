/**
 * Which stretch of a run a rate or a CPU figure is taken over. Pure: samples in, the two bounding
 * samples out.
 *
 * A drain starts with a ramp (fetch sessions, JIT, the first batches queueing behind the first sends)
 * and ends with a tail (the last partitions finishing one by one, idle polls): both cost CPU per event
 * and rate that say nothing about the pipe. So the steady part skips the first and last shares of the
 * predictions by count, not by time, which would cut a slow subject's ramp shorter than a fast one's.
 */
import { type CpuSample, coresBusy, cpuMicrosPerEvent, eventsPerSecond } from './cpu.ts';

export interface SampleWindow {
  readonly from: CpuSample;
  readonly to: CpuSample;
}

/** Share of the predictions left out at each end of a drain. */
export const STEADY_SKIP_SHARE = 0.1;

/**
 * The steady part of a drain of `total` events: from the first sample at or past `skip` of the total
 * (and at or after `notBeforeMs`: replicas started together are one pipe only once each of them is
 * predicting) to the first at or past 1 - skip. null when the drain never got that far or the two are
 * the same sample (a backlog too small for the sampling interval).
 */
export function steadyWindow(samples: readonly CpuSample[], total: number, skip = STEADY_SKIP_SHARE, notBeforeMs = -Infinity): SampleWindow | null {
  if (total <= 0 || !(skip >= 0 && skip < 0.5)) return null;
  const from = samples.find((s) => s.events >= skip * total && s.tMs >= notBeforeMs);
  const to = samples.find((s) => s.events >= (1 - skip) * total);
  if (from === undefined || to === undefined || to.tMs <= from.tMs || to.events <= from.events) return null;
  return { from, to };
}

/**
 * The measured part of an open-loop trial sampled about once a second from its start: from the first
 * sample at or after the warmup to the last one within a second after the phases end (the tick that
 * closes the last second comes a little after it). null when there are not two such samples.
 */
export function trialWindow(samples: readonly CpuSample[], warmupMs: number, runMs: number): SampleWindow | null {
  const from = samples.find((s) => s.tMs >= warmupMs);
  const to = samples.filter((s) => s.tMs < runMs + 1000).at(-1);
  if (from === undefined || to === undefined || to.tMs <= from.tMs) return null;
  return { from, to };
}

/** Rate and CPU over a window, in the shape the results record (DrainFigures). */
export interface WindowFigures {
  readonly events: number;
  readonly seconds: number;
  readonly eventsPerSec: number | null;
  readonly cpuUsPerEvent: number | null;
  readonly cores: number | null;
}

export function windowFigures(window: SampleWindow, hz: number): WindowFigures {
  const { from, to } = window;
  return {
    events: to.events - from.events,
    seconds: (to.tMs - from.tMs) / 1000,
    eventsPerSec: eventsPerSecond(from, to),
    cpuUsPerEvent: cpuMicrosPerEvent(from, to, hz),
    cores: coresBusy(from, to, hz),
  };
}
