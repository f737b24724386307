/**
 * What GET /models shows: each served model with its version, the previous one (loaded, for a
 * rollback), its kind, every version the workers hold, whether the watcher follows it, the flows and
 * experiments that route to it, and its last reload.
 */
import type { ModelLifecycle } from './lifecycle.ts';
import type { ReloadRecord } from './lifecycle-state.ts';
import { type ModelUse, modelUse } from './plan-models.ts';

export interface ModelListing extends ModelUse {
  readonly name: string;
  readonly version: number;
  readonly previous: number | null;
  readonly kind: 'onnx' | 'heuristic';
  /** Versions loaded in the workers: served, previous, pinned by flows, and any still finishing batches. */
  readonly loaded: number[];
  /** models.watch follows its new version directories (served without a version in models.serve). */
  readonly watched: boolean;
  readonly lastReload: ReloadRecord | null;
}

export interface ModelsListing {
  readonly models: ModelListing[];
  readonly lastFailedReload: (ReloadRecord & { readonly model: string }) | null;
}

export function listModels(lifecycle: ModelLifecycle, watched: ReadonlySet<string>): ModelsListing {
  const loaded = lifecycle.loaded;
  const models = lifecycle.state.all().map((m): ModelListing => {
    const versions = loaded.flatMap((id) => (id.startsWith(`${m.name}:`) ? [Number(id.slice(m.name.length + 1))] : [])).sort((a, b) => a - b);
    return {
      name: m.name,
      version: m.version,
      previous: m.previous ?? null,
      kind: lifecycle.entry(m.name, m.version)?.config.kind ?? 'onnx',
      loaded: versions,
      watched: watched.has(m.name),
      ...modelUse(m.name, lifecycle.plans),
      lastReload: m.lastReload ?? null,
    };
  });
  return { models, lastFailedReload: lifecycle.state.lastFailure() ?? null };
}
