/**
 * A canary's split of a flow's records (issue 10, part 6): a record routed directly to the canary's
 * `of` is scored by its candidate instead when the record's allocation point (allocation.ts, seeded by
 * "canary:<flow>") falls below percent / 100. A key therefore stays on one side while the share stands,
 * raising the share only moves keys from stable to canary, and a rollback (0%) sends every key back.
 * Both sides are stamped: experiment "canary:<flow>", variant "canary" or "stable". A record that
 * reaches `of` through an A/B experiment keeps that experiment's stamp and is not split.
 */
import { allocationPoint } from './allocation.ts';
import type { CanaryPlan } from './plan.ts';
import { allocationKey, type RouteRow, type Scoring } from './routing.ts';

/** The record's scorings with `of` replaced by the side the record falls on at `percent`. */
export type CanarySplit = (scorings: readonly Scoring[], row: RouteRow, percent: number) => readonly Scoring[];

export function compileCanarySplit(flow: string, plan: CanaryPlan): CanarySplit {
  const experiment = `canary:${flow}`;
  const canary: Scoring = { model: plan.candidate, experiment, variant: 'canary' };
  const stable: Scoring = { model: plan.of, experiment, variant: 'stable' };
  const keyPath = plan.keyField?.split('.');
  const splits = (s: Scoring) => s.model === plan.of && s.experiment === undefined;
  return (scorings, row, percent) => {
    if (!scorings.some(splits)) return scorings;
    const side = allocationPoint(experiment, allocationKey(row, keyPath) ?? '') < percent / 100 ? canary : stable;
    return scorings.map((s) => (splits(s) ? side : s));
  };
}
