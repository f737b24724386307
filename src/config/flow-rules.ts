/**
 * The cross-setting rules of flows and experiments (issue 10): what the schema alone cannot say about
 * how a flow relates to the plain inputs, to models.serve and to the experiments. Like rules.ts, each
 * rule reports a setting only when that setting passed its own checks.
 */
import { modelRefProblem, parseModelRef, servedModels, targetProblem } from './model-refs.ts';
import { at, entries, inputSettings, mapping, type Rule } from './rule-tree.ts';

/** Something must be consumed; either list may be empty on its own. */
const somethingToConsume: Rule = (config, violations) => {
  if (!violations.ok('inputs') || !violations.ok('flows')) return;
  if (entries(config['inputs']).length === 0 && entries(config['flows']).length === 0) {
    violations.add('inputs', 'must have at least 1 entry when flows has none');
  }
};

/** One topic, one owner: two owners would each score every record of it (and commit its offsets twice). */
const topicsConsumedOnce: Rule = (config, violations) => {
  const first = new Map<unknown, { path: string; owner: string }>();
  for (const { path, owner, topic } of inputSettings(config)) {
    const seen = first.get(topic);
    if (seen === undefined) first.set(topic, { path, owner });
    // Twice within one owner is reported by the schema's uniqueness check.
    else if (seen.owner !== owner && violations.ok(`${path}.topic`)) {
      violations.addValue(`${path}.topic`, 'is consumed by one input or one flow only', topic, `also ${seen.path}.topic`);
    }
  }
};

/** A flow scores either a fixed list of targets or a routed one. */
const modelsOrRoute: Rule = (config, violations) => {
  entries(config['flows']).forEach((flow, f) => {
    const path = `flows[${f}]`;
    if (!violations.ok(`${path}.models`) || !violations.ok(`${path}.route`)) return;
    if (flow['models'] === undefined && flow['route'] === undefined) violations.add(path, 'needs models or route');
    if (flow['models'] !== undefined && flow['route'] !== undefined) violations.add(path, 'has both models and route; a flow has one of them');
  });
};

/** route.name says which field or header; a topic route has nothing to name, and matches only the flow's own topics. */
const routeNames: Rule = (config, violations) => {
  entries(config['flows']).forEach((flow, f) => {
    const path = `flows[${f}].route`;
    if (flow['route'] === undefined || !violations.ok(`${path}.by`) || !violations.ok(`${path}.name`)) return;
    const { by, name, cases } = mapping(flow['route']);
    if (by !== 'topic' && name === undefined) violations.add(`${path}.name`, `is required when route.by is "${String(by)}"`);
    if (by !== 'topic') return;
    if (name !== undefined) violations.addValue(`${path}.name`, 'must be absent when route.by is "topic"', name);
    if (!violations.ok(`flows[${f}].inputs`)) return;
    const topics = entries(flow['inputs']).map((input) => input['topic']);
    entries(cases).forEach((routeCase, c) => {
      const valuePath = `${path}.cases[${c}].value`;
      if (violations.ok(valuePath) && !topics.includes(routeCase['value'])) {
        violations.addValue(valuePath, `must be one of the flow's input topics (${topics.join(', ')})`, routeCase['value']);
      }
    });
  });
};

/** Every setting of a flow that lists targets, with its path. */
function targetLists(flow: Record<string, unknown>, f: number): [string, unknown][] {
  const route = mapping(flow['route']);
  return [
    [`flows[${f}].models`, flow['models']],
    ...entries(route['cases']).map((routeCase, c): [string, unknown] => [`flows[${f}].route.cases[${c}].models`, routeCase['models']]),
    [`flows[${f}].route.default`, route['default']],
  ];
}

/** Every model ref names a served model (one version of it), every experiment ref a defined experiment. */
const refsResolve: Rule = (config, violations) => {
  if (!violations.ok('models.serve') || !violations.ok('experiments')) return;
  const served = servedModels(config);
  const ids = entries(config['experiments']).map((experiment) => experiment['id']);
  entries(config['flows']).forEach((flow, f) => {
    for (const [listPath, list] of targetLists(flow, f)) {
      (Array.isArray(list) ? list : []).forEach((text: unknown, k) => {
        const path = `${listPath}[${k}]`;
        const problem = violations.ok(path) && typeof text === 'string' ? targetProblem(text, served, ids) : undefined;
        if (problem !== undefined) violations.addValue(path, problem, text);
      });
    }
  });
  entries(config['flows']).forEach((flow, f) => {
    const path = `flows[${f}].fallback.model`;
    const text = mapping(flow['fallback'])['model'];
    const problem = violations.ok(path) && typeof text === 'string' ? modelRefProblem(parseModelRef(text), served) : undefined;
    if (problem !== undefined) violations.addValue(path, problem, text);
  });
  entries(config['experiments']).forEach((experiment, e) => {
    entries(experiment['variants']).forEach((variant, v) => {
      const path = `experiments[${e}].variants[${v}].model`;
      const text = variant['model'];
      const problem = violations.ok(path) && typeof text === 'string' ? modelRefProblem(parseModelRef(text), served) : undefined;
      if (problem !== undefined) violations.addValue(path, problem, text);
    });
  });
};

/** A fallback must be able to answer: a constant score, or a model. */
const fallbackAnswers: Rule = (config, violations) => {
  entries(config['flows']).forEach((flow, f) => {
    const path = `flows[${f}].fallback`;
    const fallback = flow['fallback'];
    if (fallback === undefined || !violations.ok(path)) return;
    const { score, model } = mapping(fallback);
    if (score === undefined && model === undefined) violations.add(path, 'needs score (a constant answer) or model (a model that answers), or both');
  });
};

/** Every model ref of a flow's shadow and canary settings, with its path. */
function experimentRefs(flow: Record<string, unknown>, f: number): [string, unknown][] {
  const canary = flow['canary'] === undefined ? [] : [mapping(flow['canary'])];
  return [
    ...entries(flow['shadow']).flatMap((s, i): [string, unknown][] => [
      [`flows[${f}].shadow[${i}].of`, s['of']],
      [`flows[${f}].shadow[${i}].candidate`, s['candidate']],
    ]),
    ...canary.flatMap((c): [string, unknown][] => [
      [`flows[${f}].canary.of`, c['of']],
      [`flows[${f}].canary.candidate`, c['candidate']],
    ]),
  ];
}

/**
 * Shadow and canary refs name served models. Whether `of` is a model the flow routes to, and whether
 * the candidate differs from it, only resolved refs can tell ("fraud" and "fraud@1" may be one model):
 * build-plans.ts checks that, naming the same settings.
 */
const experimentRefsResolve: Rule = (config, violations) => {
  if (!violations.ok('models.serve')) return;
  const served = servedModels(config);
  entries(config['flows']).forEach((flow, f) => {
    for (const [path, text] of experimentRefs(flow, f)) {
      const problem = violations.ok(path) && typeof text === 'string' ? modelRefProblem(parseModelRef(text), served) : undefined;
      if (problem !== undefined) violations.addValue(path, problem, text);
    }
  });
};

/**
 * A shadow topic holds only shadow predictions: never a topic the service consumes (it would score
 * them), the dead-letter topic, or a prediction topic of the primary path, whose consumers would read
 * a candidate's answers as the served ones.
 */
const shadowTopicsApart: Rule = (config, violations) => {
  const flows = entries(config['flows']);
  const primary: [string, unknown][] = [
    ['output.topic', at(config, 'output.topic')],
    ...flows.map((flow, f): [string, unknown] => [`flows[${f}].output`, flow['output']]).filter(([, topic]) => topic !== undefined),
  ];
  const consumed = inputSettings(config).map((input): [string, unknown] => [`${input.path}.topic`, input.topic]);
  const others = [...consumed, ...primary, ['deadLetter.topic', at(config, 'deadLetter.topic')] as [string, unknown]];
  flows.forEach((flow, f) => {
    entries(flow['shadow']).forEach((s, i) => {
      const path = `flows[${f}].shadow[${i}].topic`;
      const clash = others.find(([, topic]) => topic === s['topic']);
      if (violations.ok(path) && clash !== undefined)
        violations.addValue(path, 'must be a topic of its own, not an input, output or dead-letter topic', s['topic'], `same as ${clash[0]}`);
    });
  });
};

export const FLOW_RULES: readonly Rule[] = [
  somethingToConsume,
  topicsConsumedOnce,
  modelsOrRoute,
  routeNames,
  refsResolve,
  fallbackAnswers,
  experimentRefsResolve,
  shadowTopicsApart,
];
