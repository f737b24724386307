/**
 * The models and the worker pool, loaded and checked as the service and the redrive command both need
 * them: the repository's models, their flow plans and hooks, the pool, each graph against its feature
 * spec. Whatever does not fit fails here, naming the model or the setting, before anything joins a group.
 */
import { compileFeatureMapper } from './codecs/features.ts';
import type { ModelRef, ScorerConfig } from './config/types.ts';
import { buildFlowPlans } from './flows/build-plans.ts';
import { checkFlowHooks } from './flows/check-hooks.ts';
import type { FlowPlan } from './flows/plan.ts';
import { InferencePool } from './inference/pool.ts';
import type { ModelEntry } from './inference/types.ts';
import { loadModelRepository } from './models/repository.ts';
import { checkFeatureSpec } from './models/spec-check.ts';

export interface Scoring {
  readonly models: ModelEntry[];
  readonly plans: FlowPlan[];
  readonly pool: InferencePool;
}

export interface ScoringChoice {
  /** The models to load; absent: models.serve. */
  readonly serve?: readonly ModelRef[];
  /** The version a bare ref names, by model name (BuildPlansOptions.served); absent: the one loaded. */
  readonly served?: ReadonlyMap<string, number>;
}

/** The pool is closed again when a check after its start fails. */
export async function loadScoring(config: ScorerConfig, choice: ScoringChoice = {}): Promise<Scoring> {
  const models = await loadModelRepository(config.models.repository, choice.serve ?? config.models.serve);
  const plans = buildFlowPlans(config, models, choice.served === undefined ? {} : { served: choice.served });
  await checkFlowHooks(plans);
  const pool = await InferencePool.start({
    models,
    flows: plans,
    threads: config.inference.threads,
    maxAttempts: config.inference.maxAttempts,
    injectDelayMs: config.inference.injectDelayMs,
    limits: config.limits,
  });
  try {
    // A heuristic model is only its hook: no graph to check, no features to extract.
    const graphs = models.filter((model) => model.config.kind !== 'heuristic');
    for (const model of graphs) checkFeatureSpec(model.config, await pool.describe(model.config.name, model.config.version));
    // The workers extract the features; compiling the specs here too fails start-up early, by name.
    for (const entry of graphs) compileFeatureMapper(entry.config, config.limits);
  } catch (error) {
    await pool.close();
    throw error;
  }
  return { models, plans, pool };
}
