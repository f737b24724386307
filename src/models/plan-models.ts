/**
 * Which served model versions the flow plans name, for hot reload: what a plans generation must keep
 * loaded (its pinned refs) and what GET /models shows as a model's flows and experiments.
 */
import type { FlowPlan, RouteTarget } from '../flows/plan.ts';

function targetsOf(plan: FlowPlan): readonly RouteTarget[] {
  return plan.route.by === 'all' ? plan.route.targets : [...Object.values(plan.route.table).flat(), ...plan.route.fallthrough];
}

/** Every modelId ("name:version") a plan routes to, directly, through its experiments' variants, or as its fallback. */
export function planModels(plan: FlowPlan): Set<string> {
  const ids = new Set<string>();
  for (const target of targetsOf(plan)) if ('model' in target) ids.add(target.model);
  for (const experiment of plan.experiments) for (const variant of experiment.variants) ids.add(variant.model);
  if (plan.fallback?.model !== undefined) ids.add(plan.fallback.model);
  return ids;
}

export interface ModelUse {
  /** Flows routing to some version of the model (or answering with it as their fallback), with those versions. */
  readonly flows: { readonly flow: string; readonly versions: number[] }[];
  /** Experiments with a variant on some version of the model. */
  readonly experiments: { readonly id: string; readonly variant: string; readonly version: number }[];
}

const versionOf = (id: string, name: string): number | undefined => (id.startsWith(`${name}:`) ? Number(id.slice(name.length + 1)) : undefined);

export function modelUse(name: string, plans: readonly FlowPlan[]): ModelUse {
  const flows: ModelUse['flows'] = [];
  const experiments = new Map<string, ModelUse['experiments'][number]>();
  for (const plan of plans) {
    const versions = [...planModels(plan)].flatMap((id) => versionOf(id, name) ?? []).sort((a, b) => a - b);
    if (versions.length > 0) flows.push({ flow: plan.name, versions });
    for (const experiment of plan.experiments) {
      for (const variant of experiment.variants) {
        const version = versionOf(variant.model, name);
        if (version !== undefined) experiments.set(`${experiment.id}/${variant.name}`, { id: experiment.id, variant: variant.name, version });
      }
    }
  }
  return { flows, experiments: [...experiments.values()] };
}
