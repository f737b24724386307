/**
 * The live progress line of a load run. On a terminal it rewrites one line in place; in a log (CI, a
 * file) it prints a full line at most every few seconds, so the log stays readable and bounded.
 */

import { formatCount, formatMs, formatRate } from './profile.ts';
import type { Progress } from './types.ts';

/** How often a line goes to a stream that is not a terminal. */
export const LOG_INTERVAL_MS = 5000;

/**
 * One line, e.g. `  42s  phase 2/3 10,000/s  sent 412,003 (9,998/s)  predicted 411,870 (10,012/s)
 * outstanding 133  p99 18.4 ms  rss 231 MiB`. Fields are padded so that, while the numbers keep their
 * number of digits, the line does not jitter as it is rewritten.
 */
export function formatProgress(p: Progress, phases: number): string {
  const elapsed = `${Math.floor(p.elapsedMs / 1000)}s`.padStart(5);
  const phase = p.phase < phases ? `phase ${p.phase + 1}/${phases} ${formatRate(p.targetRate)}` : 'draining';
  const fields = [
    elapsed,
    phase.padEnd(20),
    `sent ${formatCount(p.sent).padStart(9)} (${formatCount(p.sendRate)}/s)`,
    `predicted ${formatCount(p.predicted).padStart(9)} (${formatCount(p.predictRate)}/s)`,
    `outstanding ${formatCount(p.outstanding).padStart(7)}`,
    `p99 ${(p.p99Ms === null ? '-' : formatMs(p.p99Ms)).padStart(9)}`,
  ];
  // Only when it happens: the generator itself could not keep to the schedule, so the rate offered to
  // the scorer is lower than the phase says (the late events still carry their intended times).
  if (p.behind !== undefined && p.behind > 0) fields.push(`behind ${formatCount(p.behind)}`);
  if (p.rssMiB !== undefined) fields.push(`rss ${formatCount(p.rssMiB)} MiB`);
  return fields.join('  ');
}

/** What the writer needs of a stream; process.stdout and process.stderr fit. */
export interface ProgressStream {
  readonly isTTY?: boolean;
  readonly columns?: number;
  write(text: string): unknown;
}

export interface ProgressWriter {
  update(progress: Progress): void;
  /** Ends the line on a terminal; in a log, prints the last update if the interval held it back. */
  done(): void;
}

const CLEAR_TO_END = '\x1b[K';

/** `now` is the clock for the log interval (ms); tests pass a fake one. */
export function createProgressWriter(stream: ProgressStream, phases: number, now: () => number = Date.now): ProgressWriter {
  return stream.isTTY === true ? terminalWriter(stream, phases) : logWriter(stream, phases, now);
}

function terminalWriter(stream: ProgressStream, phases: number): ProgressWriter {
  let written = false;
  let closed = false;
  return {
    update(progress) {
      if (closed) return;
      let line = formatProgress(progress, phases);
      // A line that wraps cannot be rewritten with \r: cut it to the terminal's width.
      if (stream.columns !== undefined && stream.columns > 1) line = line.slice(0, stream.columns - 1);
      stream.write(`\r${line}${CLEAR_TO_END}`);
      written = true;
    },
    done() {
      if (!closed && written) stream.write('\n');
      closed = true;
    },
  };
}

function logWriter(stream: ProgressStream, phases: number, now: () => number): ProgressWriter {
  let lastWrite: number | undefined;
  let held: Progress | undefined;
  let closed = false;
  const write = (progress: Progress): void => {
    stream.write(`${formatProgress(progress, phases)}\n`);
    held = undefined;
  };
  return {
    update(progress) {
      if (closed) return;
      const at = now();
      if (lastWrite !== undefined && at - lastWrite < LOG_INTERVAL_MS) {
        held = progress;
        return;
      }
      lastWrite = at;
      write(progress);
    },
    done() {
      if (!closed && held !== undefined) write(held);
      closed = true;
    },
  };
}
