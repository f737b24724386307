/**
 * What a model ref in the configuration names: "name" (the one version of it models.serve loads),
 * "name@version", or, where a flow picks its targets, "experiment:<id>". The rules check refs against
 * models.serve with these; build-plans parses them with the same function.
 */
import { at, entries, type Tree } from './rule-tree.ts';

export interface ParsedModelRef {
  readonly kind: 'model';
  readonly name: string;
  readonly version?: number;
}

export type ParsedRef = ParsedModelRef | { readonly kind: 'experiment'; readonly id: string };

const EXPERIMENT_PREFIX = 'experiment:';

/** Parses a model ref the schema accepted: "name" or "name@version". */
export function parseModelRef(text: string): ParsedModelRef {
  const at = text.lastIndexOf('@');
  return at < 0 ? { kind: 'model', name: text } : { kind: 'model', name: text.slice(0, at), version: Number(text.slice(at + 1)) };
}

/** Parses a target the schema accepted: a model ref or "experiment:<id>". */
export function parseRef(text: string): ParsedRef {
  return text.startsWith(EXPERIMENT_PREFIX) ? { kind: 'experiment', id: text.slice(EXPERIMENT_PREFIX.length) } : parseModelRef(text);
}

export interface ServedModel {
  readonly name: unknown;
  /** Absent: the highest version on disk, which only the loaded repository knows. */
  readonly version?: unknown;
}

export const servedModels = (config: Tree): ServedModel[] =>
  entries(at(config, 'models.serve')).map((model) => ({ name: model['name'], version: model['version'] }));

const spell = (model: ServedModel): string => (model.version === undefined ? String(model.name) : `${String(model.name)}@${String(model.version)}`);

const unknownModel = (served: readonly ServedModel[]): string => `must name a model in models.serve (${served.map(spell).join(', ')})`;

/** Why a bare name cannot pick one served model, or undefined when it can. */
export function servedNameProblem(name: unknown, served: readonly ServedModel[]): string | undefined {
  const versions = served.filter((model) => model.name === name);
  if (versions.length === 0) return unknownModel(served);
  if (versions.length > 1) return `is ambiguous: models.serve lists ${versions.map(spell).join(', ')}; write "${String(name)}@<version>"`;
  return undefined;
}

/**
 * Why a model ref ("name" or "name@version") names no served model, or undefined. "name@N" against an
 * entry served without a version passes here: whether N is the highest on disk is checked on the loaded
 * repository (build-plans.ts).
 */
export function modelRefProblem(ref: ParsedModelRef, served: readonly ServedModel[]): string | undefined {
  if (ref.version === undefined) return servedNameProblem(ref.name, served);
  const versions = served.filter((model) => model.name === ref.name);
  if (versions.length === 0) return unknownModel(served);
  if (versions.some((model) => model.version === undefined || model.version === ref.version)) return undefined;
  return `must name a served version: models.serve lists ${versions.map(spell).join(', ')}`;
}

/** Why a flow's target (a model ref or "experiment:<id>") names nothing defined, or undefined. */
export function targetProblem(text: string, served: readonly ServedModel[], experimentIds: readonly unknown[]): string | undefined {
  const ref = parseRef(text);
  if (ref.kind === 'model') return modelRefProblem(ref, served);
  if (experimentIds.includes(ref.id)) return undefined;
  return experimentIds.length === 0 ? 'names an experiment, but experiments is empty' : `must name an experiment in experiments (${experimentIds.join(', ')})`;
}
