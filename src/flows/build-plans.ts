/**
 * Turns the validated `flows` and `experiments` settings into the FlowPlans the workers execute: model
 * refs become the modelIds ("name:version") of the models the repository loaded, hook refs absolute
 * {file, export}. The configuration rules have already checked every ref against models.serve; what only
 * the loaded repository can tell ("fraud@2" when models.serve loads fraud at the highest version on
 * disk) is checked here, and reported the same way, naming the setting.
 */
import { type ParsedModelRef, parseModelRef, parseRef } from '../config/model-refs.ts';
import type { CanaryConfig, ExperimentConfig, FallbackConfig, FlowConfig, FlowRouteConfig, ModelRefText, ScorerConfig, ShadowConfig } from '../config/types.ts';
import { Violations } from '../config/violations.ts';
import { modelId } from '../core/model-id.ts';
import type { ModelEntry } from '../inference/types.ts';
import { parseHookRef } from './hook-ref.ts';
import type { CanaryPlan, ExperimentPlan, FallbackPlan, FlowPlan, RoutePlan, RouteTarget, ShadowPlan } from './plan.ts';

export interface BuildPlansOptions {
  /** What hook paths still relative are resolved against (loadConfig resolves them against the config file already). @defaultValue process.cwd() */
  readonly baseDir?: string;
  /**
   * Hot reload (src/models/lifecycle.ts): the version a bare ref ("fraud") names, by model name, when
   * `models` holds several versions of it; "name@N" refs stay pinned to N. Absent: the one loaded version.
   */
  readonly served?: ReadonlyMap<string, number>;
}

/** Resolves refs against the loaded models, recording what does not resolve. */
class Resolver {
  readonly violations = new Violations();
  readonly #models: readonly ModelEntry[];
  readonly #served: ReadonlyMap<string, number>;

  constructor(models: readonly ModelEntry[], served: ReadonlyMap<string, number> = new Map()) {
    this.#models = models;
    this.#served = served;
  }

  /** The modelId `ref` names; '' (with a violation at `setting`) when no loaded model matches. */
  model(ref: ParsedModelRef, text: string, setting: string): string {
    const versions = this.#models.filter((entry) => entry.config.name === ref.name).map((entry) => entry.config.version);
    const wanted = ref.version ?? this.#served.get(ref.name);
    const version = wanted === undefined && versions.length === 1 ? versions[0] : versions.find((v) => v === wanted);
    if (version !== undefined) return modelId(ref.name, version);
    const loaded = versions.length === 0 ? 'none of it' : versions.map((v) => modelId(ref.name, v)).join(', ');
    this.violations.addValue(setting, `must name a loaded model: models.serve loads ${loaded}`, text);
    return '';
  }

  targets(texts: readonly ModelRefText[], setting: string): RouteTarget[] {
    return texts.map((text, k) => {
      const ref = parseRef(text);
      return ref.kind === 'experiment' ? { experiment: ref.id } : { model: this.model(ref, text, `${setting}[${k}]`) };
    });
  }
}

function routePlan(flow: FlowConfig, setting: string, resolver: Resolver): RoutePlan {
  const route: FlowRouteConfig | undefined = flow.route;
  if (route === undefined) return { by: 'all', targets: resolver.targets(flow.models ?? [], `${setting}.models`) };
  const table = Object.fromEntries(route.cases.map((c, i) => [c.value, resolver.targets(c.models, `${setting}.route.cases[${i}].models`)]));
  const fallthrough = resolver.targets(route.default ?? [], `${setting}.route.default`);
  return { by: route.by, name: route.name ?? '', table, fallthrough };
}

const targetsOf = (route: RoutePlan): readonly RouteTarget[] =>
  route.by === 'all' ? route.targets : [...Object.values(route.table).flat(), ...route.fallthrough];

function experimentPlan(experiment: ExperimentConfig, e: number, resolver: Resolver): ExperimentPlan {
  const variants = experiment.variants.map((variant, v) => {
    return {
      name: variant.name,
      model: resolver.model(parseModelRef(variant.model), variant.model, `experiments[${e}].variants[${v}].model`),
      weight: variant.weight,
    };
  });
  return { id: experiment.id, ...(experiment.key === undefined ? {} : { keyField: experiment.key }), variants };
}

function fallbackPlan(fallback: FallbackConfig, path: string, resolver: Resolver): FallbackPlan {
  const { score, label, model, deadlineMs, circuit } = fallback;
  return {
    label: label ?? null,
    ...(score === undefined ? {} : { score }),
    ...(model === undefined ? {} : { model: resolver.model(parseModelRef(model), model, `${path}.model`) }),
    ...(deadlineMs === undefined ? {} : { deadlineMs }),
    ...(circuit === undefined ? {} : { circuit }),
  };
}

/** The modelIds a flow routes to: directly, and through its experiments' variants. */
function routedModels(route: RoutePlan, experiments: readonly ExperimentPlan[]): { direct: Set<string>; all: Set<string> } {
  const direct = new Set(targetsOf(route).flatMap((target) => ('model' in target ? [target.model] : [])));
  return { direct, all: new Set([...direct, ...experiments.flatMap((e) => e.variants.map((v) => v.model))]) };
}

/** `of` and `candidate` resolved; '' for either when it does not resolve, or `of` is not among `routed`. */
function pair(entry: { of: ModelRefText; candidate: ModelRefText }, setting: string, routed: ReadonlySet<string>, resolver: Resolver, how: string) {
  const of = resolver.model(parseModelRef(entry.of), entry.of, `${setting}.of`);
  const candidate = resolver.model(parseModelRef(entry.candidate), entry.candidate, `${setting}.candidate`);
  if (of !== '' && !routed.has(of)) {
    resolver.violations.addValue(`${setting}.of`, `must name a model the flow routes to ${how}(${[...routed].join(', ') || 'none'})`, entry.of);
  } else if (of !== '' && of === candidate) {
    resolver.violations.addValue(`${setting}.candidate`, `must differ from ${setting}.of: both name ${of}`, entry.candidate);
  }
  return { of, candidate };
}

function shadowPlans(shadows: readonly ShadowConfig[], setting: string, routed: ReadonlySet<string>, resolver: Resolver): ShadowPlan[] {
  return shadows.map((shadow, i) => ({ ...pair(shadow, `${setting}.shadow[${i}]`, routed, resolver, ''), topic: shadow.topic }));
}

/** A canary splits a direct target only: a record reached through an experiment carries that experiment's stamp. */
function canaryPlan(canary: CanaryConfig, setting: string, direct: ReadonlySet<string>, resolver: Resolver): CanaryPlan {
  const { percent, key, maxErrorRate, maxP99Ms, minRequests, windowMs } = canary;
  return {
    ...pair(canary, `${setting}.canary`, direct, resolver, 'directly, not through an experiment '),
    percent,
    ...(key === undefined ? {} : { keyField: key }),
    bounds: { maxErrorRate, ...(maxP99Ms === undefined ? {} : { maxP99Ms }), minRequests, windowMs },
  };
}

/**
 * One FlowPlan per `config.flows` entry, in the same order (so plans[i] is flows[i]), each with the
 * experiments its targets name. `models` is what loadModelRepository returned for models.serve.
 * Throws SCORER_ERR_CONFIG listing every ref that names no loaded model.
 */
export function buildFlowPlans(config: ScorerConfig, models: readonly ModelEntry[], options: BuildPlansOptions = {}): FlowPlan[] {
  const baseDir = options.baseDir ?? process.cwd();
  const resolver = new Resolver(models, options.served);
  const experiments = new Map(config.experiments.map((experiment, e) => [experiment.id, experimentPlan(experiment, e, resolver)]));
  const plans = config.flows.map((flow, f): FlowPlan => {
    const route = routePlan(flow, `flows[${f}]`, resolver);
    const named = new Set(targetsOf(route).flatMap((target) => ('experiment' in target ? [target.experiment] : [])));
    const flowExperiments = [...named].flatMap((id) => experiments.get(id) ?? []);
    const routed = routedModels(route, flowExperiments);
    return {
      name: flow.name,
      ...(flow.preprocess === undefined ? {} : { preprocess: parseHookRef(flow.preprocess, 'preprocess', baseDir) }),
      route,
      ...(flow.postprocess === undefined ? {} : { postprocess: parseHookRef(flow.postprocess, 'postprocess', baseDir) }),
      ...(flow.fallback === undefined ? {} : { fallback: fallbackPlan(flow.fallback, `flows[${f}].fallback`, resolver) }),
      experiments: flowExperiments,
      ...(flow.shadow === undefined ? {} : { shadow: shadowPlans(flow.shadow, `flows[${f}]`, routed.all, resolver) }),
      ...(flow.canary === undefined ? {} : { canary: canaryPlan(flow.canary, `flows[${f}]`, routed.direct, resolver) }),
      ...(flow.enrich === undefined ? {} : { enrich: flow.enrich }),
    };
  });
  if (resolver.violations.list.length > 0) throw resolver.violations.toError('flows against the loaded models');
  return plans;
}
