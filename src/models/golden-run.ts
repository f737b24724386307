/**
 * Scores a version's golden.json through the worker pool and fails, with the first rows that disagree,
 * when a score is out of tolerance or a label differs (golden.ts has the rules). A version without
 * golden.json passes; a heuristic model is only scored inside a flow, so it has no golden run.
 */
import path from 'node:path';
import type { ModelEntry } from '../inference/types.ts';
import type { ScoringPool } from './bisect.ts';
import { type GoldenAnswer, goldenAnswers, goldenBatch, goldenMismatches, readGolden } from './golden.ts';

const BATCH_ROWS = 256;

export async function runGolden(pool: ScoringPool, entry: ModelEntry): Promise<void> {
  const { name, version, kind } = entry.config;
  if (kind === 'heuristic' || entry.onnxPath === undefined) return;
  const golden = await readGolden(path.join(path.dirname(entry.onnxPath), 'golden.json'), name, version);
  if (golden === undefined) return;
  const answers: GoldenAnswer[] = [];
  for (let start = 0; start < golden.rows.length; start += BATCH_ROWS) {
    const rows = golden.rows.slice(start, start + BATCH_ROWS);
    const outcome = await pool.score(() => goldenBatch(name, version, rows));
    if (!outcome.ok) throw new Error(`golden.json could not be scored: ${outcome.kind}: ${outcome.message}`);
    answers.push(...goldenAnswers(outcome.reply));
  }
  const mismatches = goldenMismatches(golden, answers);
  if (mismatches.length > 0) throw new Error(`golden.json does not match: ${mismatches.join('; ')}`);
}
