/**
 * Polls the model repository for new version directories (models.watch). Polling rather than fs.watch:
 * it behaves the same on every file system, including network volumes and Kubernetes volumes whose
 * files are swapped through symlinks, where fs.watch misses or doubles events. One readdir per watched
 * model and one stat per file of each version directory, every models.watchIntervalMs: cheap. A poll
 * runs only once the previous one (and the reload it started) is done.
 */
import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import type { Scheduler } from '../core/clock.ts';
import type { Log } from '../core/log.ts';
import { type FileStat, type VersionListing, VersionWatch } from './version-watch.ts';

const VERSION_DIR = /^[1-9][0-9]*$/;

export interface RepositoryWatchOptions {
  readonly repository: string;
  /** The models to watch, and the version each serves now. */
  readonly models: () => ReadonlyMap<string, number>;
  readonly intervalMs: number;
  /** A version the rule picked: load it (resolves when the reload is over, switched or not). */
  readonly load: (name: string, version: number) => Promise<unknown>;
  readonly scheduler: Scheduler;
  readonly now: () => number;
  readonly log: Log;
}

async function filesOf(dir: string): Promise<Map<string, FileStat>> {
  const files = new Map<string, FileStat>();
  const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
  for (const entry of entries) {
    const stats = await stat(path.join(dir, entry.name)).catch(() => undefined);
    if (stats?.isFile() === true) files.set(entry.name, { size: stats.size, mtimeMs: stats.mtimeMs });
  }
  return files;
}

export async function listVersions(modelDir: string): Promise<VersionListing[]> {
  const entries = await readdir(modelDir, { withFileTypes: true }).catch(() => []);
  const versions = entries.filter((entry) => (entry.isDirectory() || entry.isSymbolicLink()) && VERSION_DIR.test(entry.name));
  return Promise.all(versions.map(async (entry) => ({ version: Number(entry.name), files: await filesOf(path.join(modelDir, entry.name)) })));
}

export class RepositoryWatch {
  readonly #o: RepositoryWatchOptions;
  readonly #rule: VersionWatch;
  #cancel: (() => void) | undefined;
  #stopped = false;

  constructor(options: RepositoryWatchOptions) {
    this.#o = options;
    // Stable means unchanged across one full interval: at least two polls saw the same files.
    this.#rule = new VersionWatch(options.intervalMs);
  }

  start(): void {
    this.#schedule();
  }

  stop(): void {
    this.#stopped = true;
    this.#cancel?.();
  }

  /** A version loaded by other means (the admin API) is not offered again by the watcher in its current state. */
  tried(name: string, version: number): void {
    this.#rule.tried(name, version);
  }

  /** One poll of every watched model; exposed for tests. */
  async poll(): Promise<void> {
    for (const [name, served] of this.#o.models()) {
      const listing = await listVersions(path.join(this.#o.repository, name));
      const version = this.#rule.observe(name, served, listing, this.#o.now());
      if (version === undefined || this.#stopped) continue;
      this.#rule.tried(name, version);
      this.#o.log.info({ model: name, version }, 'model repository: a new version directory is complete and stable; loading it');
      await this.#o.load(name, version);
    }
  }

  #schedule(): void {
    if (this.#stopped) return;
    this.#cancel = this.#o.scheduler.setTimeout(() => {
      this.poll()
        .catch((err: unknown) => this.#o.log.warn({ err }, 'model repository poll failed; polling on'))
        .finally(() => this.#schedule());
    }, this.#o.intervalMs);
  }
}
