/**
 * Loads the configuration once, at the edge: file, then environment overrides, then programmatic
 * overrides; defaults filled; every violation reported in one error; relative paths resolved; frozen.
 * This is the only module that reads environment variables, and only those it is handed.
 */
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { parseDocument } from 'yaml';
import { ScorerError } from '../errors.ts';
import { readEnvOverrides } from './env.ts';
import { applyRules } from './rules.ts';
import { configSchema } from './schema.ts';
import { deepFreeze, deepMerge, isMapping } from './tree.ts';
import type { ScorerConfig } from './types.ts';
import { validate } from './validate.ts';
import { type SourceOf, Violations } from './violations.ts';

export interface LoadConfigOptions {
  /** YAML or JSON file. Relative paths inside the configuration resolve against its directory. */
  file?: string;
  /** Usually process.env; only SCORER_ variables are read. */
  env?: NodeJS.ProcessEnv;
  /** A partial configuration laid over file and environment (tests, tools). */
  overrides?: unknown;
}

/** The settings that name files or directories; relative values resolve against `baseDir`. */
const PATH_SETTINGS = [
  'models.repository',
  'output.schemaFile',
  'featureLog.schemaFile',
  'kafka.tls.caFile',
  'kafka.tls.certFile',
  'kafka.tls.keyFile',
  'kafka.sasl.passwordFile',
  'admin.tokenFile',
] as const;

/**
 * Precedence, lowest first: schema defaults, the file, SCORER_ environment variables, `overrides`.
 * Relative paths resolve against the config file's directory, or the current working directory when
 * no file is given, whatever layer they came from. Throws ScorerError('SCORER_ERR_CONFIG') listing
 * every violation (details.violations: {path, message}[]).
 */
export function loadConfig(options: LoadConfigOptions = {}): ScorerConfig {
  const { file, env = {}, overrides } = options;
  let sourceOf: SourceOf = () => undefined;
  const violations = new Violations((path) => sourceOf(path));
  const fromFile = file === undefined ? {} : readConfigFile(file);
  const fromEnv = readEnvOverrides(configSchema, env, violations);
  sourceOf = fromEnv.sourceOf;
  if (overrides !== undefined && !isMapping(overrides)) violations.addValue('(overrides)', 'must be a mapping', overrides);
  const merged = deepMerge(deepMerge(fromFile, fromEnv.tree), isMapping(overrides) ? overrides : undefined);
  const config = validate(configSchema, merged, violations);
  applyRules(config, violations);
  if (violations.list.length > 0) throw violations.toError(file ?? 'defaults and environment');
  const baseDir = file === undefined ? process.cwd() : dirname(resolve(file));
  resolvePaths(config, baseDir);
  resolveHookPaths(config, baseDir);
  return deepFreeze(config) as unknown as ScorerConfig;
}

function readConfigFile(file: string): unknown {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (cause) {
    const reason = cause instanceof Error ? cause.message : String(cause);
    throw fileError(file, `cannot read the config file: ${reason}`, cause);
  }
  // YAML 1.2 is a superset of JSON, so one parser serves both; duplicate keys are errors.
  const document = parseDocument(text, { prettyErrors: true });
  const [first] = document.errors;
  if (first !== undefined) throw fileError(file, `not valid YAML or JSON: ${first.message}`, first);
  const content: unknown = document.toJS() ?? {};
  if (!isMapping(content)) {
    const violations = new Violations();
    violations.addValue('(root)', 'must be a mapping', content);
    throw violations.toError(file);
  }
  return content;
}

function fileError(file: string, message: string, cause: unknown): ScorerError {
  return new ScorerError('SCORER_ERR_CONFIG', `${file}: ${message}`, {
    cause,
    details: { file, violations: [{ path: '(file)', message }] },
  });
}

/** A flow's hooks ("path/file.ts#export") name files too: their path part resolves like the settings above. */
function resolveHookPaths(config: Record<string, unknown>, baseDir: string): void {
  const flows = config['flows'];
  if (!Array.isArray(flows)) return;
  for (const flow of flows) {
    if (!isMapping(flow)) continue;
    for (const key of ['preprocess', 'postprocess']) {
      const ref = flow[key];
      if (typeof ref !== 'string') continue;
      const hash = ref.lastIndexOf('#');
      flow[key] = hash < 0 ? resolve(baseDir, ref) : `${resolve(baseDir, ref.slice(0, hash))}${ref.slice(hash)}`;
    }
  }
}

/** Optional settings that are absent stay absent. */
function resolvePaths(config: Record<string, unknown>, baseDir: string): void {
  for (const path of PATH_SETTINGS) {
    const segments = path.split('.');
    const key = segments.pop() as string;
    let holder: unknown = config;
    for (const segment of segments) holder = isMapping(holder) ? holder[segment] : undefined;
    if (isMapping(holder) && typeof holder[key] === 'string') holder[key] = resolve(baseDir, holder[key]);
  }
}
