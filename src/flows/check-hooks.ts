/** The start-up check of every flow's hooks (issue 10): each one names a file that exports that function. */
import { Violations } from '../config/violations.ts';
import { hookProblem } from './hook-module.ts';
import type { FlowPlan, HookRef } from './plan.ts';

/**
 * Checks the hooks of `plans`, which are in configuration order as buildFlowPlans returns them (plans[i]
 * is flows[i]). Throws one SCORER_ERR_CONFIG naming, for every bad hook, the setting, the flow and the
 * file (details.violations: {path, message}[], as any configuration error has).
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
    const problem = await hookProblem(hook);
    if (problem !== undefined) violations.add(path, `flow "${flow}": ${hook.file}: ${problem}`);
  }
  if (violations.list.length > 0) throw violations.toError('flow hooks');
}
