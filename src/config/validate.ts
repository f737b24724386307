/**
 * Checks a raw configuration tree against the schema, filling defaults as it goes. It never stops at
 * the first problem: every violation is recorded with its path, and the tree is returned as far as
 * it could be built so that cross-field rules can still look at the parts that are valid.
 */
import type { AnyNode, ArrayNode, NumberNode, ObjectNode, StringNode } from './dsl.ts';
import { closest } from './suggest.ts';
import { isMapping } from './tree.ts';
import type { Violations } from './violations.ts';

type Tree = Record<string, unknown>;

interface Pending {
  readonly parent: Tree;
  readonly key: string;
  readonly path: string;
  readonly node: Scalar;
}

type Scalar = Exclude<AnyNode, ObjectNode | ArrayNode>;

const join = (path: string, key: string): string => (path === '' ? key : `${path}.${key}`);

/** Validates `input` against `schema`; returns the filled tree (defaults and derived defaults). */
export function validate(schema: ObjectNode, input: unknown, violations: Violations): Tree {
  const pending: Pending[] = [];
  const root = checkObject(schema, input ?? {}, '', violations, pending) ?? {};
  // Derived defaults read the filled tree, so they come last; the result is checked like any value.
  for (const { parent, key, path, node } of pending) {
    const value = node.derive?.(root);
    if (value === undefined) continue;
    parent[key] = value;
    const problem = describeProblem(node, value);
    if (problem !== undefined) violations.addValue(path, problem, value, `derived default ${node.defaultDoc ?? ''}`);
  }
  return root;
}

function checkObject(node: ObjectNode, value: unknown, path: string, violations: Violations, pending: Pending[]): Tree | undefined {
  if (!isMapping(value)) {
    violations.addValue(path || '(root)', 'must be a mapping', value);
    return undefined;
  }
  const known = Object.keys(node.fields);
  for (const key of Object.keys(value)) {
    if (Object.hasOwn(node.fields, key)) continue;
    const guess = closest(key, known);
    const hint = guess === undefined ? `settings here: ${known.join(', ')}` : `did you mean "${guess}"?`;
    violations.add(join(path, key), `unknown setting; ${hint}`);
  }
  const out: Tree = {};
  for (const [key, child] of Object.entries(node.fields)) {
    const childPath = join(path, key);
    const raw = value[key] ?? undefined; // YAML `key:` with no value is null: treat it as absent
    if (raw === undefined) fillMissing(child, out, key, childPath, violations, pending);
    else out[key] = checkNode(child, raw, childPath, violations, pending);
  }
  return out;
}

function fillMissing(node: AnyNode, out: Tree, key: string, path: string, violations: Violations, pending: Pending[]) {
  if (node.kind === 'object') {
    if (!node.optional) out[key] = checkObject(node, {}, path, violations, pending);
  } else if (node.default !== undefined) {
    out[key] = structuredClone(node.default);
  } else if (node.derive !== undefined && node.kind !== 'array') {
    pending.push({ parent: out, key, path, node });
  } else if (!node.optional) {
    violations.add(path, 'is required');
  }
}

function checkNode(node: AnyNode, value: unknown, path: string, violations: Violations, pending: Pending[]): unknown {
  if (node.kind === 'object') return checkObject(node, value, path, violations, pending);
  if (node.kind === 'array') return checkArray(node, value, path, violations, pending);
  const problem = describeProblem(node, value);
  if (problem !== undefined) violations.addValue(path, problem, value);
  return value;
}

function checkArray(node: ArrayNode, value: unknown, path: string, violations: Violations, pending: Pending[]) {
  if (!Array.isArray(value)) {
    violations.addValue(path, 'must be a list', value);
    return value;
  }
  const min = node.minItems ?? 0;
  if (value.length < min) violations.add(path, `must have at least ${min} ${min === 1 ? 'entry' : 'entries'}`);
  const items = value.map((item, i) => checkNode(node.items, item, `${path}[${i}]`, violations, pending));
  if (node.uniqueBy !== undefined) checkUnique(node.uniqueBy, items, path, violations);
  return items;
}

function checkUnique(by: string | readonly string[] | true, items: readonly unknown[], path: string, violations: Violations): void {
  const seen = new Map<unknown, number>();
  items.forEach((item, i) => {
    const shown = uniqueKey(by, item);
    if (shown === undefined) return;
    // Several fields compare as the JSON text of their mapping (fields in `by` order, absent ones left out).
    const key = typeof by === 'object' ? JSON.stringify(shown) : shown;
    const first = seen.get(key);
    const at = typeof by === 'string' ? `${path}[${i}].${by}` : `${path}[${i}]`;
    if (first === undefined) seen.set(key, i);
    else violations.addValue(at, `duplicates ${path}[${first}]`, shown);
  });
}

/** What makes an item unique: the scalar, the named field's value, or the named fields' values as a mapping. */
function uniqueKey(by: string | readonly string[] | true, item: unknown): unknown {
  if (by === true) return item;
  if (!isMapping(item)) return undefined;
  if (typeof by === 'string') return item[by];
  return Object.fromEntries(by.filter((field) => item[field] !== undefined).map((field) => [field, item[field]]));
}

/** What is wrong with a scalar value, as "must be ..."; undefined when it is fine. */
export function describeProblem(node: Scalar, value: unknown): string | undefined {
  switch (node.kind) {
    case 'boolean':
      return typeof value === 'boolean' ? undefined : 'must be true or false';
    case 'enum':
      return node.values.includes(value as string) ? undefined : `must be one of ${node.values.map((v) => `"${v}"`).join(', ')}`;
    case 'number':
      return numberProblem(node, value);
    case 'string':
      return stringProblem(node, value);
    case 'scalar':
      return typeof value === 'string' || (typeof value === 'number' && Number.isFinite(value)) ? undefined : 'must be a string or a number';
  }
}

function numberProblem(node: NumberNode, value: unknown): string | undefined {
  const { min, max, exclusive = false } = node;
  const fine =
    typeof value === 'number' &&
    Number.isFinite(value) &&
    (!node.integer || Number.isInteger(value)) &&
    (min === undefined || (exclusive ? value > min : value >= min)) &&
    (max === undefined || (exclusive ? value < max : value <= max));
  if (fine) return undefined;
  let bounds = '';
  if (min !== undefined && max !== undefined) bounds = exclusive ? ` > ${min} and < ${max}` : ` between ${min} and ${max}`;
  else if (min !== undefined) bounds = exclusive ? ` > ${min}` : ` >= ${min}`;
  else if (max !== undefined) bounds = exclusive ? ` < ${max}` : ` <= ${max}`;
  return `must be ${node.integer ? 'an integer' : 'a number'}${bounds}`;
}

function stringProblem(node: StringNode, value: unknown): string | undefined {
  if (typeof value !== 'string') return node.hint ?? 'must be a string';
  if (node.minLength !== undefined && value.length < node.minLength) {
    return node.hint ?? (node.minLength === 1 ? 'must be a non-empty string' : `must have at least ${node.minLength} characters`);
  }
  if (node.pattern !== undefined && !node.pattern.test(value)) return node.hint ?? `must match ${node.pattern}`;
  return undefined;
}
