/**
 * A model's training feature statistics, `feature-stats.json` beside its config.yaml (written by
 * scripts/models/train.py): per numeric feature, the bin edges from training quantiles, the expected
 * share of training rows per bin, and the share that was missing (and took the field's default). Bin k
 * holds the values in [edges[k-1], edges[k]) (bin 0 everything below edges[0], the last bin everything
 * from the last edge up), so there is one more share than edges. Checked once, on the main thread, every
 * problem naming the file and the field.
 */
import { ScorerError } from '../errors.ts';

export interface FeatureBins {
  /** The model's event field (its feature spec's `field`). */
  readonly name: string;
  readonly edges: readonly number[];
  /** edges.length + 1 shares summing to 1. */
  readonly expected: readonly number[];
  /** Share of training rows missing the field (filled with its default), in [0, 1]. */
  readonly missing: number;
}

export interface FeatureStats {
  readonly rows: number;
  readonly features: readonly FeatureBins[];
}

export const FEATURE_STATS_FILE = 'feature-stats.json';

/** Shares are written with a few digits; their sum may be off by rounding. */
const SUM_TOLERANCE = 1e-3;

function fail(file: string, field: string, problem: string): never {
  throw new ScorerError('SCORER_ERR_MODEL_LOAD', `${file}: ${field} ${problem}`, { details: { file, field } });
}

function numbers(file: string, field: string, value: unknown): number[] {
  if (!Array.isArray(value) || value.some((v) => typeof v !== 'number' || !Number.isFinite(v))) fail(file, field, 'must be an array of finite numbers');
  return value as number[];
}

function featureBins(file: string, at: string, value: unknown): FeatureBins {
  if (typeof value !== 'object' || value === null) fail(file, at, 'must be an object');
  const { name, edges, expected, missing } = value as Record<string, unknown>;
  if (typeof name !== 'string' || name === '') fail(file, `${at}.name`, 'must be a non-empty string');
  const e = numbers(file, `${at}.edges`, edges);
  for (let k = 1; k < e.length; k++) if (!((e[k] as number) > (e[k - 1] as number))) fail(file, `${at}.edges`, `must increase strictly (edge ${k})`);
  const shares = numbers(file, `${at}.expected`, expected);
  if (shares.length !== e.length + 1) fail(file, `${at}.expected`, `must hold ${e.length + 1} shares (one more than edges), not ${shares.length}`);
  if (shares.some((s) => s < 0)) fail(file, `${at}.expected`, 'must hold no negative share');
  const sum = shares.reduce((a, b) => a + b, 0);
  if (Math.abs(sum - 1) > SUM_TOLERANCE) fail(file, `${at}.expected`, `must sum to 1, not ${sum}`);
  if (typeof missing !== 'number' || !(missing >= 0 && missing <= 1)) fail(file, `${at}.missing`, 'must be a number in [0, 1]');
  return { name, edges: e, expected: shares, missing };
}

/**
 * Parses and checks a stats file's text; `numericFields` are the model's float32 and int64 fields, the
 * only ones binned. Throws ScorerError MODEL_LOAD naming `file` and the field.
 */
export function parseFeatureStats(text: string, file: string, numericFields: readonly string[]): FeatureStats {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    fail(file, 'the file', `is not JSON (${error instanceof Error ? error.message : String(error)})`);
  }
  if (typeof json !== 'object' || json === null) fail(file, 'the file', 'must hold an object');
  const { rows, features } = json as Record<string, unknown>;
  if (typeof rows !== 'number' || !Number.isSafeInteger(rows) || rows <= 0) fail(file, 'rows', 'must be a positive integer');
  if (!Array.isArray(features) || features.length === 0) fail(file, 'features', 'must be a non-empty array');
  const seen = new Set<string>();
  const parsed = features.map((value, i) => {
    const bins = featureBins(file, `features[${i}]`, value);
    if (seen.has(bins.name)) fail(file, `features[${i}].name`, `"${bins.name}" is listed twice`);
    if (!numericFields.includes(bins.name)) fail(file, `features[${i}].name`, `"${bins.name}" is not a numeric (float32 or int64) feature of the model`);
    seen.add(bins.name);
    return bins;
  });
  return { rows, features: parsed };
}
