import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { InferencePool } from '../../../src/inference/pool.ts';
import type { ModelEntry } from '../../../src/inference/types.ts';
import { loadModelRepository } from '../../../src/models/repository.ts';
import { jsonBatch, predictionsOf, type TestEvent } from './json-records.ts';

const REPOSITORY = fileURLToPath(new URL('../../../models', import.meta.url));

interface Golden {
  readonly model: string;
  readonly version: number;
  readonly tolerance: number;
  readonly rows: readonly { readonly event: TestEvent; readonly score: number; readonly label: string }[];
}

function readGolden(entry: ModelEntry): Golden {
  const file = new URL(`../../../models/${entry.config.name}/${entry.config.version}/golden.json`, import.meta.url);
  return JSON.parse(readFileSync(file, 'utf8')) as Golden;
}

const BATCH = 200;

// fraud 1 and 2 are required; heavy is checked whenever the training script has produced it.
for (const [name, version] of [
  ['fraud', 1],
  ['fraud', 2],
  ['heavy', 1],
] as const) {
  const present = name === 'fraud' || existsSync(new URL(`../../../models/${name}/${version}/model.onnx`, import.meta.url));
  if (!present) continue;

  describe(`golden outputs of ${name}:${version} through the worker pool`, () => {
    let entry: ModelEntry;
    let pool: InferencePool;
    before(async () => {
      [entry] = (await loadModelRepository(REPOSITORY, [{ name, version }])) as [ModelEntry];
      pool = await InferencePool.start({ models: [entry], threads: 1, maxAttempts: 1, injectDelayMs: 0, limits: { maxStringFeatureLength: 256 } });
    });
    after(() => pool.close());

    test('every golden score is within tolerance and every label matches', async () => {
      const golden = readGolden(entry);
      assert.deepEqual([golden.model, golden.version], [name, version]);
      assert.ok(golden.rows.length > 0);
      for (let start = 0; start < golden.rows.length; start += BATCH) {
        const rows = golden.rows.slice(start, start + BATCH);
        const outcome = await pool.score(() =>
          jsonBatch(
            name,
            version,
            rows.map((r) => r.event),
          ),
        );
        assert.ok(outcome.ok, outcome.ok ? '' : outcome.message);
        const predictions = predictionsOf(outcome.reply);
        assert.equal(predictions.length, rows.length);
        rows.forEach((row, i) => {
          const got = predictions[i]?.score ?? Number.NaN;
          assert.ok(Math.abs(got - row.score) <= golden.tolerance, `row ${start + i}: score ${got} vs golden ${row.score}`);
          assert.equal(predictions[i]?.label, row.label, `row ${start + i}: label`);
        });
      }
    });
  });
}
