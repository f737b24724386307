/**
 * The start-up check of every flow's hooks (issue 10), on the main thread: each one must import and
 * export a function by its name. The workers load the same hooks with the same loader (hook-loader.ts)
 * and fail their bootstrap on a bad one; checked here first, the error names the setting and the flow.
 */
import { Violations } from '../config/violations.ts';
import { loadHook } from './hook-loader.ts';
import type { FlowPlan, HookRef } from './plan.ts';

/**
 * Checks the hooks of `plans`, which are in configuration order as buildFlowPlans returns them (plans[i]
 * is flows[i]). Throws one SCORER_ERR_CONFIG naming, for every bad hook, the setting, the flow and the
 * file (details.violations: {path, message}[], as any configuration error has). Importing a hook runs
 * its module's top-level code once on this thread.
 */
export async function checkFlowHooks(plans: readonly FlowPlan[]): Promise<void> {
  const hooks = plans.flatMap((plan, f) =>
    (['preprocess', 'postprocess'] as const).flatMap((kind) => {
      const hook: HookRef | undefined = plan[kind];
      return hook === undefined ? [] : [{ path: `flows[${f}].${kind}`, flow: plan.name, hook }];
    }),
  );
  const violations = new Violations();
  for (const { path, flow, hook } of hooks) {
    await loadHook(hook).catch((err: unknown) => violations.add(path, `flow "${flow}": ${err instanceof Error ? err.message : String(err)}`));
  }
  if (violations.list.length > 0) throw violations.toError('flow hooks');
}
