/** config/example.yaml is the configuration reference: it must cover every setting and state its default. */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { parse } from 'yaml';
import type { AnyNode, ObjectNode } from '../../../src/config/dsl.ts';
import { configSchema } from '../../../src/config/schema.ts';

const exampleText = readFileSync(new URL('../../../config/example.yaml', import.meta.url), 'utf8');
const example: unknown = parse(exampleText);

/**
 * `optionalParent`: the setting sits in an optional section the example leaves out (commented): an
 * optional mapping, or a list of mappings with a default (flows) that the example leaves empty.
 */
type Found = { path: string; node: AnyNode; value: unknown; optionalParent: boolean };

/** Every setting of the schema with its value in `tree`, descending into the first item of lists of mappings. */
function* settings(node: ObjectNode, tree: unknown, path = '', optionalParent = false): Generator<Found> {
  const values = (tree ?? {}) as Record<string, unknown>;
  for (const [key, child] of Object.entries(node.fields)) {
    const childPath = path === '' ? key : `${path}.${key}`;
    const value = values[key];
    if (child.kind === 'object') yield* settings(child, value, childPath, optionalParent || (child.optional === true && value === undefined));
    else if (child.kind === 'array' && child.items.kind === 'object') {
      const first: unknown = Array.isArray(value) ? value[0] : undefined;
      yield* settings(child.items, first, `${childPath}[0]`, optionalParent || (first === undefined && child.default !== undefined));
    } else yield { path: childPath, node: child, value, optionalParent };
  }
}

test('example.yaml shows every setting, commented out only when it has no fixed default or sits in an optional section', () => {
  for (const { path, node, value, optionalParent } of settings(configSchema, example)) {
    if (value !== undefined) continue;
    const key = path.split('.').pop() ?? '';
    assert.ok(node.kind !== 'object' && (optionalParent || node.optional === true || node.derive !== undefined), `${path} is missing`);
    // A commented list item shows its first setting after the dash: `#   - name: fraud`.
    assert.match(exampleText, new RegExp(`^\\s*#\\s*(-\\s+)?${key}:`, 'm'), `${path} is not shown, even commented out`);
  }
});

test('example.yaml states the schema default of every setting that has one', () => {
  for (const { path, node, value, optionalParent } of settings(configSchema, example)) {
    if (node.kind === 'object' || node.default === undefined || optionalParent) continue;
    assert.deepEqual(value, node.default, path);
  }
});

test('every setting has a one-line doc', () => {
  for (const { path, node } of settings(configSchema, undefined)) {
    assert.ok(node.kind !== 'object' && node.doc.length > 0 && !node.doc.includes('\n'), path);
  }
});
