import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { parseFeatureStats } from '../../../src/drift/feature-stats.ts';
import { readFeatureStats } from '../../../src/drift/read-stats.ts';
import { ScorerError } from '../../../src/errors.ts';
import type { ModelConfig } from '../../../src/inference/types.ts';
import { REPO_ROOT } from '../../support/scorer-process.ts';

/** The ScorerError MODEL_LOAD that `fn` throws. */
function thrown(fn: () => unknown): ScorerError {
  try {
    fn();
  } catch (error) {
    assert.ok(error instanceof ScorerError && error.code === 'SCORER_ERR_MODEL_LOAD', String(error));
    return error;
  }
  assert.fail('expected an error');
}

const FILE = 'models/m/1/feature-stats.json';
const GOOD = { rows: 10, features: [{ name: 'x', edges: [1, 2], expected: [0.2, 0.5, 0.3], missing: 0.05 }] };

function parse(value: unknown, fields = ['x', 'y']) {
  return parseFeatureStats(JSON.stringify(value), FILE, fields);
}

function withFeature(change: Record<string, unknown>) {
  return { ...GOOD, features: [{ ...GOOD.features[0], ...change }] };
}

test('a valid file parses to its features', () => {
  assert.deepEqual(parse(GOOD), GOOD);
});

test('every problem names the file and the field', () => {
  const cases: [unknown, RegExp][] = [
    [{ ...GOOD, rows: 0 }, /rows must be a positive integer/],
    [{ ...GOOD, features: [] }, /features must be a non-empty array/],
    [withFeature({ name: '' }), /features\[0\]\.name must be a non-empty string/],
    [withFeature({ edges: [2, 1] }), /features\[0\]\.edges must increase strictly/],
    [withFeature({ edges: [1, 'two'] }), /features\[0\]\.edges must be an array of finite numbers/],
    [withFeature({ expected: [0.5, 0.5] }), /features\[0\]\.expected must hold 3 shares/],
    [withFeature({ expected: [0.2, 0.5, 0.5] }), /features\[0\]\.expected must sum to 1/],
    [withFeature({ expected: [-0.1, 0.6, 0.5] }), /features\[0\]\.expected must hold no negative share/],
    [withFeature({ missing: 1.5 }), /features\[0\]\.missing must be a number in \[0, 1\]/],
    [withFeature({ name: 'z' }), /features\[0\]\.name "z" is not a numeric/],
    [{ ...GOOD, features: [GOOD.features[0], GOOD.features[0]] }, /features\[1\]\.name "x" is listed twice/],
  ];
  for (const [value, message] of cases) {
    const error = thrown(() => parse(value));
    assert.match(error.message, new RegExp(`^${FILE.replaceAll('.', '\\.')}: `), error.message);
    assert.match(error.message, message);
  }
  assert.match(thrown(() => parseFeatureStats('{', FILE, ['x'])).message, /feature-stats\.json: the file is not JSON/);
});

const CONFIG: ModelConfig = {
  name: 'm',
  version: 1,
  inputs: [
    { name: 'numeric', dtype: 'float32', fields: [{ field: 'x' }] },
    { name: 'text', dtype: 'string', fields: [{ field: 's' }] },
  ],
  outputs: { score: { output: 'p' } },
  missingRequired: 'dlq',
};

test('the reader: no file, no stats; a string feature cannot be binned', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'stats-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  assert.equal(await readFeatureStats(dir, CONFIG), undefined);
  await writeFile(join(dir, 'feature-stats.json'), JSON.stringify({ ...GOOD, features: [{ ...GOOD.features[0], name: 's' }] }));
  await assert.rejects(
    readFeatureStats(dir, CONFIG),
    (error: Error) => error.message.includes(join(dir, 'feature-stats.json')) && /"s" is not a numeric/.test(error.message),
  );
});

test('the committed models carry statistics that parse against their feature specs', async () => {
  const { loadModelRepository } = await import('../../../src/models/repository.ts');
  const entries = await loadModelRepository(join(REPO_ROOT, 'models'), [{ name: 'fraud', version: 1 }, { name: 'fraud', version: 2 }, { name: 'heavy' }]);
  for (const entry of entries) {
    assert.equal(entry.stats?.features.length, 30, `${entry.config.name}@${entry.config.version}`);
    for (const f of entry.stats?.features ?? []) assert.ok(Math.abs(f.expected.reduce((a, b) => a + b, 0) - 1) < 1e-3);
  }
});
