/** "Did you mean" for misspelt setting names and environment variables. */

const normalize = (word: string): string => word.toLowerCase().replace(/[_\-\s]/g, '');

function distance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const substitution = (previous[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1);
      current[j] = Math.min((previous[j] ?? 0) + 1, (current[j - 1] ?? 0) + 1, substitution);
    }
    previous = current;
  }
  return previous[b.length] ?? 0;
}

/**
 * The candidate closest to `word`, when close enough to be a likely typo: spelling that differs only
 * in case, underscores or dashes (max_batch_size for maxBatchSize), or an edit distance of at most a
 * third of the word's length.
 */
export function closest(word: string, candidates: Iterable<string>): string | undefined {
  const target = normalize(word);
  let best: string | undefined;
  let bestDistance = Math.max(1, Math.floor(target.length / 3)) + 1;
  for (const candidate of candidates) {
    const d = distance(target, normalize(candidate));
    if (d < bestDistance) {
      best = candidate;
      bestDistance = d;
    }
  }
  return best;
}
