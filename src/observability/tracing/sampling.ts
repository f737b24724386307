/**
 * The sampling decision, made once per record at intake: parent-based (a record whose context says
 * sampled is sampled, one whose context says not is not), and a ratio for records that start a trace.
 * Decided before any span or id exists, so an unsampled record costs neither. Pure: `random` is injected.
 */
import type { TraceParent } from './trace-context.ts';

export function sampleRecord(parent: TraceParent | undefined, ratio: number, random: () => number): boolean {
  if (parent !== undefined) return parent.sampled;
  return ratio > 0 && random() < ratio;
}
