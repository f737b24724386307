/**
 * Which rebalance a duplicate belongs to. The scale-out stage's steady load runs in phases of equal
 * rate, one per window (before the leave, after it, after the join), and each action happens at the
 * start of its window; a replayed prediction arrives within seconds of the rebalance that caused it.
 * So a window's duplicates are those the collector counted in the timeline's seconds within it, and
 * the last window keeps the drain after the phases (a replay can arrive after the schedule ended). Pure.
 */
import type { TimelinePoint } from '../loadgen/types.ts';

/**
 * Duplicates per window, given each window's end in seconds since the first event (the phases' ends).
 * A timeline point covers [t - 1, t), so it belongs to the window whose end is at or after its t.
 */
export function duplicatesPerWindow(timeline: readonly TimelinePoint[], windowEndsS: readonly number[]): number[] {
  const counts = windowEndsS.map(() => 0);
  if (counts.length === 0) return counts;
  for (const point of timeline) {
    const found = windowEndsS.findIndex((end) => point.t <= end);
    const window = found < 0 ? counts.length - 1 : found;
    counts[window] = (counts[window] ?? 0) + point.duplicates;
  }
  return counts;
}
