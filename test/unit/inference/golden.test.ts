import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { InferencePool } from '../../../src/inference/pool.ts';
import type { ModelEntry } from '../../../src/inference/types.ts';
import { loadModelRepository } from '../../../src/models/repository.ts';
import type { TestEvent } from './batch-feeds.ts';
import { buildBatch } from './batch-feeds.ts';

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

for (const name of ['fraud', 'heavy']) {
  // fraud is required; heavy is checked whenever the training script has produced it.
  const present = name === 'fraud' || existsSync(new URL(`../../../models/${name}/1/model.onnx`, import.meta.url));
  if (!present) continue;

  describe(`golden outputs of ${name}:1 through the worker pool`, () => {
    let entry: ModelEntry;
    let pool: InferencePool;
    before(async () => {
      [entry] = (await loadModelRepository(REPOSITORY, [{ name, version: 1 }])) as [ModelEntry];
      pool = await InferencePool.start({ models: [entry], threads: 1, maxAttempts: 1, injectDelayMs: 0 });
    });
    after(() => pool.close());

    test('every golden score is within tolerance and every label matches', async () => {
      const golden = readGolden(entry);
      assert.equal(golden.model, name);
      assert.ok(golden.rows.length > 0);
      for (let start = 0; start < golden.rows.length; start += BATCH) {
        const rows = golden.rows.slice(start, start + BATCH);
        const outcome = await pool.score(name, 1, entry.config.outputs, () =>
          buildBatch(
            entry.config,
            rows.map((r) => r.event),
          ),
        );
        assert.ok(outcome.ok, outcome.ok ? '' : outcome.message);
        assert.equal(outcome.scores.scores.length, rows.length);
        rows.forEach((row, i) => {
          const got = outcome.scores.scores[i] ?? Number.NaN;
          assert.ok(Math.abs(got - row.score) <= golden.tolerance, `row ${start + i}: score ${got} vs golden ${row.score}`);
          assert.equal(outcome.scores.labels?.[i], row.label, `row ${start + i}: label`);
        });
      }
    });
  });
}
