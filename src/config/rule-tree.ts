/**
 * Reading the filled configuration tree the cross-setting rules check (rules.ts, flow-rules.ts). The tree
 * may hold invalid values, so every reader tolerates any shape; the rules ask Violations.ok before
 * trusting a value.
 */
import { isMapping } from './tree.ts';
import type { Violations } from './violations.ts';

export type Tree = Record<string, unknown>;
export type Rule = (config: Tree, violations: Violations) => void;

export const mapping = (value: unknown): Tree => (isMapping(value) ? value : {});
export const entries = (value: unknown): Tree[] => (Array.isArray(value) ? value.map(mapping) : []);
export const at = (config: Tree, path: string): unknown => path.split('.').reduce<unknown>((node, key) => mapping(node)[key], config);

/**
 * A topic the service consumes, as a plain input or as one of a flow's inputs, with the setting that
 * names it; topics.ts lists the same topics of a loaded configuration.
 */
export interface InputSetting {
  /** The setting that names it, without `.topic`: `inputs[0]`, `flows[1].inputs[0]`. */
  readonly path: string;
  /** `inputs`, or the flow (`flows[1]`) that consumes it. */
  readonly owner: string;
  readonly topic: unknown;
  readonly format: unknown;
}

export function inputSettings(config: Tree): InputSetting[] {
  const plain = entries(config['inputs']).map((input, i) => ({ path: `inputs[${i}]`, owner: 'inputs', topic: input['topic'], format: input['format'] }));
  const flows = entries(config['flows']).flatMap((flow, f) =>
    entries(flow['inputs']).map((input, i) => ({ path: `flows[${f}].inputs[${i}]`, owner: `flows[${f}]`, topic: input['topic'], format: input['format'] })),
  );
  return [...plain, ...flows];
}
