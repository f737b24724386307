/**
 * When a version directory that appeared in the repository is worth loading: the watcher's rule, pure,
 * with the time handed in (the polling itself is repository-watch.ts).
 *
 * - Complete: config.yaml is there, and model.onnx or hooks.ts (a heuristic model has no graph).
 * - Stable: the same files with the same sizes and modification times for at least `stableMs`, so a
 *   copy still in progress (model.onnx growing, golden.json not yet written) is not loaded half-made.
 * - Candidate: the highest complete, stable version above the served one that has not been tried in
 *   this exact state. A version that failed is not tried again until its files change; a version
 *   rolled back from (tried, switched, then left) is not loaded again by the watcher either.
 */

export interface FileStat {
  readonly size: number;
  readonly mtimeMs: number;
}

/** One version directory as the poll found it: its files by name. */
export interface VersionListing {
  readonly version: number;
  readonly files: ReadonlyMap<string, FileStat>;
}

interface Seen {
  readonly signature: string;
  readonly since: number;
}

export function isComplete(files: ReadonlyMap<string, FileStat>): boolean {
  return files.has('config.yaml') && (files.has('model.onnx') || files.has('hooks.ts'));
}

function signatureOf(files: ReadonlyMap<string, FileStat>): string {
  return [...files.entries()]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([name, stat]) => `${name}:${stat.size}:${stat.mtimeMs}`)
    .join('|');
}

export class VersionWatch {
  readonly #stableMs: number;
  /** By "name/version": the signature last seen and since when. */
  readonly #seen = new Map<string, Seen>();
  /** By "name/version": the signature it was tried with. */
  readonly #tried = new Map<string, string>();

  constructor(stableMs: number) {
    this.#stableMs = stableMs;
  }

  /** One poll of one model's directory; returns the version to load now, if any. */
  observe(name: string, served: number, listing: readonly VersionListing[], now: number): number | undefined {
    let candidate: number | undefined;
    for (const { version, files } of listing) {
      const key = `${name}/${version}`;
      const signature = signatureOf(files);
      const seen = this.#seen.get(key);
      const since = seen?.signature === signature ? seen.since : now;
      this.#seen.set(key, { signature, since });
      if (version <= served || !isComplete(files) || now - since < this.#stableMs) continue;
      if (this.#tried.get(key) === signature) continue;
      if (candidate === undefined || version > candidate) candidate = version;
    }
    return candidate;
  }

  /** The version is being loaded in the state last observed: do not offer it again in that state. */
  tried(name: string, version: number): void {
    const seen = this.#seen.get(`${name}/${version}`);
    if (seen !== undefined) this.#tried.set(`${name}/${version}`, seen.signature);
  }
}
