/**
 * Scores one batch through the pool. The worker isolates the records the model fails on by itself; what
 * reaches here is a batch the worker could not finish at all: it died holding it (after the pool's
 * retries) or failed outright (a bug). Such a batch is bisected until the culprits stand alone, so
 * every other row is still scored (notes/peers.md §4: "nobody bisects"). Halves run one after the
 * other, so a bisecting batch never holds more than its one worker slot.
 */
import type { BatchInput, ReplyOf, ScoreOutcome, ScoreRequest } from '../inference/pool.ts';
import type { Work } from './work.ts';

/** The part of the inference pool the model stage drives. */
export interface ScoringPool {
  score<R extends ScoreRequest>(build: () => BatchInput<R>): Promise<ScoreOutcome<ReplyOf<R>>>;
}

export interface ScoredPart<P> {
  readonly items: readonly Work[];
  readonly reply: P;
}

/** A row the worker could not get past on its own. `crashed`: the worker died on it; else it failed. */
export interface LoneFailure {
  readonly work: Work;
  readonly crashed: boolean;
  readonly message: string;
}

export interface BatchResults<P> {
  readonly parts: ScoredPart<P>[];
  readonly failed: LoneFailure[];
}

export async function scoreBatch<R extends ScoreRequest>(
  pool: ScoringPool,
  items: readonly Work[],
  build: (items: readonly Work[]) => BatchInput<R>,
  into: BatchResults<ReplyOf<R>> = { parts: [], failed: [] },
): Promise<BatchResults<ReplyOf<R>>> {
  const outcome = await pool.score(() => build(items));
  if (outcome.ok) into.parts.push({ items, reply: outcome.reply });
  else if (items.length === 1)
    into.failed.push({ work: items[0] as Work, crashed: outcome.kind === 'worker-crash', message: `${outcome.kind}: ${outcome.message}` });
  else {
    const mid = items.length >>> 1;
    await scoreBatch(pool, items.slice(0, mid), build, into);
    await scoreBatch(pool, items.slice(mid), build, into);
  }
  return into;
}
