/**
 * schemas/prediction.avsc version 2 is a BACKWARD-compatible evolution of version 1 (kept as
 * test/fixtures/prediction-v1.avsc, byte for byte as it was released): a version-2 reader resolves
 * version-1 records, filling the new fields with their defaults, and a version-1 reader resolves
 * version-2 records, ignoring them, so today's consumers keep working. A real registry's check of the
 * same is test/integration/prediction-schema-registry.test.ts.
 */
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { test } from 'node:test';
import avsc from 'avsc';
import { V2_DEFAULTS } from '../../support/prediction-v2.ts';

const load = async (path: string) => avsc.Type.forSchema(JSON.parse(await readFile(new URL(path, import.meta.url), 'utf8')));
const v1 = await load('../../fixtures/prediction-v1.avsc');
const v2 = await load('../../../schemas/prediction.avsc');

const core = {
  score: 0.9,
  label: 'fraud',
  model_name: 'fraud',
  model_version: 2,
  source_topic: 'payments',
  source_partition: 3,
  source_offset: 77,
  event_timestamp: 1_700_000_000_000,
  scored_at: 1_700_000_000_010,
};

test('a version-2 reader reads version-1 records, every new field at its default', () => {
  const resolver = v2.createResolver(v1);
  assert.deepEqual({ ...(v2.fromBuffer(v1.toBuffer(core), resolver) as object) }, { ...core, ...V2_DEFAULTS });
});

test('a version-1 reader reads version-2 records, the new fields ignored', () => {
  const full = {
    ...core,
    flow: 'fraud',
    experiment: 'fraud-ab',
    variant: 'treatment',
    fallback: true,
    fallback_reason: 'model-error',
    chained: [{ model_name: 'heavy', model_version: 1, score: 0.7, label: null }],
    attributes: { rule: 'review' },
  };
  const resolver = v1.createResolver(v2);
  assert.deepEqual({ ...(v1.fromBuffer(v2.toBuffer(full), resolver) as object) }, core);
});

test('every field version 2 adds has a default (what BACKWARD compatibility in a registry checks)', () => {
  const fields = (type: avsc.Type) => (type as unknown as { fields: { name: string; defaultValue(): unknown }[] }).fields;
  const old = new Set(fields(v1).map((f) => f.name));
  const added = fields(v2).filter((f) => !old.has(f.name));
  assert.deepEqual(
    added.map((f) => f.name),
    Object.keys(V2_DEFAULTS),
  );
  for (const f of added) assert.notEqual(f.defaultValue(), undefined, `${f.name} has a default`);
});
