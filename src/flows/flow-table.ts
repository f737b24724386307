/**
 * The flows an inference worker executes, by name: each plan's hooks loaded and its routing compiled
 * against the models the worker serves, once at start-up. Throws (failing the worker's bootstrap) for
 * a hook that does not load or a route to a model that is not served, naming the flow. `enricher`
 * gives a plan that enriches the worker's enricher for it (its connection and cache).
 */
import type { Enricher } from './enrich/enricher.ts';
import { type CompiledFlow, compileFlow } from './executor.ts';
import type { FlowModel } from './flow-model.ts';
import { loadFlowHooks } from './hook-loader.ts';
import type { FlowPlan } from './plan.ts';

export async function loadFlows(
  plans: readonly FlowPlan[],
  models: ReadonlyMap<string, FlowModel>,
  enricher?: (plan: FlowPlan) => Enricher | undefined,
): Promise<Map<string, CompiledFlow>> {
  const flows = new Map<string, CompiledFlow>();
  for (const plan of plans) {
    const hooks = await loadFlowHooks(plan).catch((error: unknown) => {
      throw new Error(`flow ${plan.name}: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
    });
    flows.set(plan.name, compileFlow(plan, hooks, models, enricher?.(plan)));
  }
  return flows;
}
