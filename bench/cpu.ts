/**
 * CPU time of a subject process, for PROTOCOL.md's "CPU microseconds per event": on a shared machine
 * events/s moves with the neighbours, CPU per event much less. Read from /proc/<pid>/stat, whose utime
 * and stime (fields 14 and 15) cover every thread of the process, the inference workers and libuv's
 * pool included, in clock ticks. Linux only; elsewhere a reading is undefined and the figure "not
 * measured".
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

/** What a measurement samples: when, how many events the subject had handled by then, and its CPU. */
export interface CpuSample {
  /** Milliseconds on the measurement's own clock. */
  readonly tMs: number;
  /** Predictions received from the subject so far (distinct input offsets). */
  readonly events: number;
  /** utime + stime of the subject process, in clock ticks; undefined when it could not be read. */
  readonly cpuTicks: number | undefined;
}

/**
 * utime + stime from the text of /proc/<pid>/stat. The command name (field 2) is in parentheses and may
 * itself hold spaces and parentheses, so fields are counted from the last ')'.
 */
export function parseStatTicks(stat: string): number {
  const close = stat.lastIndexOf(')');
  if (close < 0) throw new Error('not a /proc/<pid>/stat line: no command name');
  // After the name: state is field 3, so utime (14) and stime (15) are the 12th and 13th from here.
  const fields = stat
    .slice(close + 1)
    .trim()
    .split(/\s+/);
  const utime = Number(fields[11]);
  const stime = Number(fields[12]);
  if (!Number.isSafeInteger(utime) || !Number.isSafeInteger(stime)) throw new Error('not a /proc/<pid>/stat line: no utime and stime');
  return utime + stime;
}

/** utime + stime of `pid` in clock ticks; undefined once the process is gone or where there is no /proc. */
export function readCpuTicks(pid: number): number | undefined {
  try {
    return parseStatTicks(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return undefined;
  }
}

let ticksPerSecond: number | undefined;

/** Clock ticks per second (`getconf CLK_TCK`, 100 on every Linux this runs on), read once. */
export function clockTicksPerSecond(): number {
  if (ticksPerSecond === undefined) {
    let hz = 100;
    try {
      const read = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim());
      if (Number.isInteger(read) && read > 0) hz = read;
    } catch {
      // no getconf: Linux has used 100 since 2.6 (USER_HZ), whatever the kernel's own HZ
    }
    ticksPerSecond = hz;
  }
  return ticksPerSecond;
}

/**
 * CPU microseconds per event between two samples: the CPU the process used over the events it handled
 * in between. null when either reading is missing or no event was handled.
 */
export function cpuMicrosPerEvent(from: CpuSample, to: CpuSample, hz: number): number | null {
  const events = to.events - from.events;
  if (from.cpuTicks === undefined || to.cpuTicks === undefined || events <= 0 || hz <= 0) return null;
  return ((to.cpuTicks - from.cpuTicks) * 1e6) / hz / events;
}

/** Events per second between two samples; null over an empty interval. */
export function eventsPerSecond(from: CpuSample, to: CpuSample): number | null {
  const ms = to.tMs - from.tMs;
  return ms > 0 ? ((to.events - from.events) * 1000) / ms : null;
}

/** Cores the process kept busy between two samples (CPU seconds per second); null without readings. */
export function coresBusy(from: CpuSample, to: CpuSample, hz: number): number | null {
  const ms = to.tMs - from.tMs;
  if (from.cpuTicks === undefined || to.cpuTicks === undefined || ms <= 0 || hz <= 0) return null;
  return (to.cpuTicks - from.cpuTicks) / hz / (ms / 1000);
}
