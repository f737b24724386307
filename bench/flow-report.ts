/**
 * The cost of a flow in both reports (the drain's and the open-loop suite's): W1 through a flow with
 * hooks and an A/B test (bench/flow-subject.ts) as a ratio to plain W1 on the same client, taken within
 * each rotation or repetition. Pure.
 */
import { FLOW_W1, SUBJECTS, w1Of } from './catalog.ts';
import { atLeast, type Target } from './markdown.ts';
import type { Spread } from './spread.ts';

/** Issue 10: a flow sustains at least this share of plain W1's rate. */
export const FLOW_SHARE_TARGET = 0.8;

/** Plain W1 on the flow subject's client: what the flow's ratios are taken against. */
export const FLOW_BASELINE = w1Of(SUBJECTS[FLOW_W1].client ?? 'platformatic');

/** "flow / W1 (platformatic)". */
export const FLOW_RATIO_NAME = `flow / W1 (${SUBJECTS[FLOW_W1].client ?? 'platformatic'})`;

/**
 * The flow's two rows: events/s against the target, and CPU per event beside it (the target is on the
 * rate; CPU per event says what the flow costs where the neighbours move the rate).
 */
export function flowTargets(rate: { what: string; ratio: Spread | null }, cpu: { what: string; ratio: Spread | null }): Target[] {
  return [
    {
      name: `Cost of a flow (hooks, A/B): ${FLOW_RATIO_NAME}, ${rate.what}`,
      goal: `≥ ${FLOW_SHARE_TARGET}`,
      measured: rate.ratio,
      unit: '×',
      met: atLeast(rate.ratio, FLOW_SHARE_TARGET),
    },
    {
      name: `Cost of a flow (hooks, A/B): ${FLOW_RATIO_NAME}, ${cpu.what}`,
      goal: 'none (what the flow costs per event)',
      measured: cpu.ratio,
      unit: '×',
      met: null,
    },
  ];
}
