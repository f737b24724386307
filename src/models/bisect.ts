/**
 * Scores one batch through the pool. When the model fails on a batch, the batch is bisected until the
 * failing rows stand alone: those go to the dead-letter topic as INFERENCE_FAILED and every other row is
 * still scored (notes/peers.md §4: "nobody bisects"). Halves run one after the other, so a bisecting
 * batch never holds more than its one worker slot.
 */
import type { FeatureMapper } from '../codecs/features.ts';
import type { BatchInput, ScoreOutcome } from '../inference/pool.ts';
import type { ModelConfig } from '../inference/types.ts';
import type { Work } from './work.ts';

/** The part of the inference pool the model stage drives. */
export interface ScoringPool {
  score(model: string, version: number, outputs: ModelConfig['outputs'], build: () => BatchInput): Promise<ScoreOutcome>;
}

export interface RowResult {
  readonly work: Work;
  readonly score?: number;
  readonly label?: string;
  /** Set when the row failed alone: why, for the DLQ record. */
  readonly failure?: string;
}

export interface BatchTiming {
  inferMs: number;
  runs: number;
}

export interface ScoredModel {
  readonly config: ModelConfig;
  readonly mapper: FeatureMapper;
}

export async function scoreBatch(pool: ScoringPool, model: ScoredModel, items: readonly Work[], timing: BatchTiming): Promise<RowResult[]> {
  const { config } = model;
  const outcome = await pool.score(config.name, config.version, config.outputs, () => model.mapper.pack(items.map((w) => w.row)));
  if (outcome.ok) {
    timing.inferMs += outcome.scores.inferMs;
    timing.runs += 1;
    return items.map((work, i) => ({ work, score: outcome.scores.scores[i], label: outcome.scores.labels?.[i] }));
  }
  if (items.length === 1) {
    return [{ work: items[0] as Work, failure: `${outcome.kind}: ${outcome.message}` }];
  }
  const mid = items.length >>> 1;
  const left = await scoreBatch(pool, model, items.slice(0, mid), timing);
  const right = await scoreBatch(pool, model, items.slice(mid), timing);
  return left.concat(right);
}
