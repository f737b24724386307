/**
 * What a redrive did, counted as it happens: records read, matched and skipped (by why) as intake takes
 * them; scored and failed again (by the new reason) as the brokers acknowledge the outcomes. Renders
 * the progress line and the final summary. Pure: times are passed in.
 */
import type { Outgoing } from '../delivery/outgoing.ts';
import type { SkipReason } from './filter.ts';

export interface Position {
  readonly read: number;
  readonly total: number;
}

const number = (n: number) => n.toLocaleString('en-US');

export class RedriveTally {
  read = 0;
  matched = 0;
  /** Inputs whose prediction was acknowledged, and every prediction (a flow's fan-out writes several). */
  scored = 0;
  predictions = 0;
  readonly skipped = new Map<SkipReason, number>();
  readonly failedAgain = new Map<string, number>();

  skip(why: SkipReason): void {
    this.read++;
    this.skipped.set(why, (this.skipped.get(why) ?? 0) + 1);
  }

  match(): void {
    this.read++;
    this.matched++;
  }

  acknowledged(outgoing: readonly Outgoing[]): void {
    for (const o of outgoing) {
      if (o.kind === 'prediction') {
        this.scored++;
        this.predictions += 1 + (o.fanOut?.length ?? 0);
      } else this.failedAgain.set(o.tag, (this.failedAgain.get(o.tag) ?? 0) + 1);
    }
  }

  get skippedTotal(): number {
    return sum(this.skipped);
  }

  get failedAgainTotal(): number {
    return sum(this.failedAgain);
  }

  /** One line for stderr: counts, the rate since the start, and the position against the end offsets. */
  progress(position: Position, elapsedMs: number): string {
    const rate = elapsedMs > 0 ? Math.round((this.read * 1000) / elapsedMs) : 0;
    const share = position.total === 0 ? 100 : Math.floor((position.read * 1000) / position.total) / 10;
    return (
      `redrive: offset ${number(position.read)} of ${number(position.total)} (${share}%), read ${number(this.read)}, matched ${number(this.matched)}, ` +
      `scored ${number(this.scored)}, failed again ${number(this.failedAgainTotal)}, skipped ${number(this.skippedTotal)}; ${number(rate)} records/s`
    );
  }

  /** The summary: every outcome counted; `dryRun` says what would have been redriven instead. */
  summary(dryRun: boolean): string {
    const lines = [`read         ${number(this.read)}`, `matched      ${number(this.matched)}${dryRun ? ' (dry run: would be redriven)' : ''}`];
    if (!dryRun) {
      lines.push(`scored       ${number(this.scored)} (${number(this.predictions)} predictions)`);
      lines.push(`failed again ${number(this.failedAgainTotal)}${breakdown(this.failedAgain)}`);
      // Only after an interruption: matched records the drain dropped before a worker took them.
      const open = this.matched - this.scored - this.failedAgainTotal;
      if (open > 0) lines.push(`not finished ${number(open)} (matched, dropped when the run stopped: a rerun reads them again)`);
    }
    lines.push(`skipped      ${number(this.skippedTotal)}${breakdown(this.skipped)}`);
    return lines.join('\n');
  }
}

function sum(counts: ReadonlyMap<string, number>): number {
  let total = 0;
  for (const n of counts.values()) total += n;
  return total;
}

/** " (A 3, B 1)", largest first; nothing when empty. */
function breakdown(counts: ReadonlyMap<string, number>): string {
  if (counts.size === 0) return '';
  const parts = [...counts].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0])).map(([what, n]) => `${what} ${number(n)}`);
  return ` (${parts.join(', ')})`;
}
