/** Reads a model version's feature-stats.json, when it has one: drift is measured only for such models. */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { ModelConfig } from '../inference/types.ts';
import { FEATURE_STATS_FILE, type FeatureStats, parseFeatureStats } from './feature-stats.ts';

/** Undefined when the file is absent; throws ScorerError MODEL_LOAD, naming the file and the field, when it is wrong. */
export async function readFeatureStats(versionDir: string, config: ModelConfig): Promise<FeatureStats | undefined> {
  const file = path.join(versionDir, FEATURE_STATS_FILE);
  const text = await readFile(file, 'utf8').catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return undefined;
    throw error;
  });
  if (text === undefined) return undefined;
  const numeric = config.inputs.filter((input) => input.dtype !== 'string').flatMap((input) => input.fields.map((f) => f.field));
  return parseFeatureStats(text, file, numeric);
}
