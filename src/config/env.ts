/**
 * Environment overrides. A setting's variable is SCORER_ followed by its path, each segment in
 * SNAKE_CASE and segments joined by `__`: batching.maxBatchSize is SCORER_BATCHING__MAX_BATCH_SIZE.
 * Values are coerced by the setting's type (lists of strings are comma-separated); a value that does
 * not coerce is kept as the string, so validation reports it with the variable's name. Lists of
 * mappings (inputs, models.serve, flows, experiments) are file-only. Any other SCORER_ variable is a
 * violation: a typo must not silently leave a setting at its default.
 */
import { type AnyNode, isEnvSettable, leaves, type ObjectNode } from './dsl.ts';
import { closest } from './suggest.ts';
import type { SourceOf, Violations } from './violations.ts';

export const ENV_PREFIX = 'SCORER_';

type Leaf = Exclude<AnyNode, ObjectNode>;

export interface EnvSetting {
  readonly name: string;
  readonly segments: readonly string[];
  readonly node: Leaf;
}

export interface EnvOverrides {
  /** A partial configuration tree holding the overridden values. */
  readonly tree: Record<string, unknown>;
  /** Which variable set the value at a path (or at one of its ancestors). */
  readonly sourceOf: SourceOf;
}

const snake = (segment: string): string => segment.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toUpperCase();

/** The variable that overrides the setting at `segments`. */
export const envName = (segments: readonly string[]): string => ENV_PREFIX + segments.map(snake).join('__');

/** Every leaf setting with its variable name, including the file-only ones. */
export function envSettings(schema: ObjectNode): Map<string, EnvSetting> {
  const settings = new Map<string, EnvSetting>();
  for (const { segments, node } of leaves(schema)) {
    const name = envName(segments);
    settings.set(name, { name, segments, node });
  }
  return settings;
}

const NUMBER = /^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/;
const BOOLEANS = new Map([
  ['true', true],
  ['false', false],
  ['1', true],
  ['0', false],
  ['yes', true],
  ['no', false],
]);

function coerce(node: Leaf, raw: string): unknown {
  const text = raw.trim();
  switch (node.kind) {
    case 'number':
      return NUMBER.test(text) ? Number(text) : raw;
    case 'boolean':
      return BOOLEANS.get(text.toLowerCase()) ?? raw;
    case 'array':
      return text
        .split(',')
        .map((item) => item.trim())
        .filter((item) => item !== '');
    default:
      return text;
  }
}

function setPath(tree: Record<string, unknown>, segments: readonly string[], value: unknown): void {
  let cursor = tree;
  segments.slice(0, -1).forEach((segment) => {
    cursor[segment] ??= {};
    cursor = cursor[segment] as Record<string, unknown>;
  });
  cursor[segments[segments.length - 1] ?? ''] = value;
}

/**
 * Reads the SCORER_ variables of `env`. Empty values are ignored, as if unset (deployment templates
 * often render an unset value as an empty string).
 */
export function readEnvOverrides(schema: ObjectNode, env: NodeJS.ProcessEnv, violations: Violations): EnvOverrides {
  const settings = envSettings(schema);
  const tree: Record<string, unknown> = {};
  const sources = new Map<string, string>();
  for (const [name, raw] of Object.entries(env)) {
    if (!name.startsWith(ENV_PREFIX) || raw === undefined || raw === '') continue;
    const setting = settings.get(name);
    if (setting === undefined) {
      const guess = closest(name, settings.keys());
      violations.add(name, `matches no setting${guess === undefined ? '' : `; did you mean ${guess}?`}`);
    } else if (!isEnvSettable(setting.node)) {
      violations.add(name, `${setting.segments.join('.')} is a list of mappings and can only be set in the config file`);
    } else {
      setPath(tree, setting.segments, coerce(setting.node, raw));
      sources.set(setting.segments.join('.'), name);
    }
  }
  return { tree, sourceOf: (path) => sourceOf(sources, path) };
}

function sourceOf(sources: ReadonlyMap<string, string>, path: string): string | undefined {
  // kafka.brokers[1] was set by the variable of kafka.brokers.
  for (let p = path; p !== ''; p = p.replace(/(\[\d+\]|\.?[^.[]+)$/, '')) {
    const name = sources.get(p);
    if (name !== undefined) return name;
  }
  return undefined;
}
