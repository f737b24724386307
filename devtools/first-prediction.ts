/**
 * When a scorer replica first produced a prediction, read from its own /metrics: the output topic does
 * not say which replica wrote a record, and a replica's time from start to first prediction is what
 * scaling out costs before it adds anything. For the scale-out suites and the benchmark's scale-out stage.
 */

const POLL_MS = 100;

/** scorer_predictions_produced_total summed over models; 0 while /metrics does not answer. */
async function predictionsProduced(metrics: () => Promise<string>): Promise<number> {
  const text = await metrics().catch(() => '');
  let sum = 0;
  for (const match of text.matchAll(/^scorer_predictions_produced_total\{[^}]*\} (\S+)$/gm)) sum += Number(match[1]);
  return sum;
}

/**
 * Milliseconds from `startedAt` (epoch ms, the replica's spawn) to its first acknowledged prediction,
 * polling /metrics every POLL_MS; null when none came within `timeoutMs`.
 */
export async function firstPredictionMs(metrics: () => Promise<string>, startedAt: number, timeoutMs: number): Promise<number | null> {
  const deadline = Date.now() + timeoutMs;
  while ((await predictionsProduced(metrics)) === 0) {
    if (Date.now() > deadline) return null;
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
  return Date.now() - startedAt;
}
