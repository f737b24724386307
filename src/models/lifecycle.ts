/**
 * Model lifecycle without restarts (issue 10 item 7). A new version is loaded beside the old in every
 * inference thread, checked (config.yaml and hooks by the repository loader, the graph against the
 * feature spec, golden.json scored in a worker within its tolerance), then switched at a batch boundary:
 * the model's plain lane and the flows' bare refs ("fraud") send their next batches to it, while batches
 * already dispatched finish on the version they carry. Refs pinned in flows and experiments ("fraud@1")
 * stay pinned, and their versions stay loaded. The previous version stays loaded too, so a rollback is a
 * switch back without a load. Any other version is released in the workers once no batch in flight holds
 * it. A reload that fails at any step leaves the served version serving and says why (log, metric,
 * lastReload). Reloads, rollbacks and releases run one at a time.
 */
import { compileFeatureMapper } from '../codecs/features.ts';
import type { Log } from '../core/log.ts';
import { modelId } from '../core/model-id.ts';
import type { ModelIdentity } from '../delivery/outcomes.ts';
import type { FlowPlan } from '../flows/plan.ts';
import type { SyncReport } from '../inference/model-sync.ts';
import type { FlowGeneration } from '../inference/protocol.ts';
import type { GraphDescription, ModelEntry } from '../inference/types.ts';
import type { ScoringPool } from './bisect.ts';
import { runGolden } from './golden-run.ts';
import { LifecycleState, type ModelState, type ReloadTrigger } from './lifecycle-state.ts';
import { planModels } from './plan-models.ts';
import { loadModelRepository } from './repository.ts';
import { checkFeatureSpec } from './spec-check.ts';

export interface LifecyclePool extends ScoringPool {
  syncModels(models: readonly ModelEntry[], flows: readonly FlowGeneration[]): Promise<SyncReport>;
  describe(model: string, version: number): Promise<GraphDescription>;
}

export interface LifecycleStage {
  serve(model: ModelIdentity): boolean;
  usePlans(generation: number): void;
  usesOfModel(id: string): number;
  usesOfPlans(generation: number): number;
  whenUnused(what: { model: string } | { plans: number }): Promise<void>;
}

export interface LifecycleMetrics {
  reload(model: string, result: 'switched' | 'failed' | 'rolled_back'): void;
  served(model: string, version: number): void;
}

export interface ModelLifecycleOptions {
  readonly repository: string;
  /** What models.serve loaded at start-up, and the flow plans built on it (generation 0). */
  readonly entries: readonly ModelEntry[];
  readonly plans: readonly FlowPlan[];
  /** Builds the flow plans again with bare refs naming `served` (buildFlowPlans with options.served). */
  readonly buildPlans: (entries: readonly ModelEntry[], served: ReadonlyMap<string, number>) => FlowPlan[];
  readonly limits: { readonly maxStringFeatureLength: number };
  readonly pool: LifecyclePool;
  readonly stage: LifecycleStage;
  readonly metrics: LifecycleMetrics;
  readonly log: Log;
  readonly wallClock: () => number;
  /** Told of every version a reload tries, before it is checked (the watcher then does not try it again as it is). */
  readonly attempted?: (name: string, version: number) => void;
  /** Reads and checks one version directory; absent: loadModelRepository. */
  readonly loadEntry?: (repository: string, name: string, version?: number) => Promise<ModelEntry>;
}

export type LifecycleResult =
  | { readonly ok: true; readonly result: 'switched' | 'unchanged'; readonly model: ModelState }
  | { readonly ok: false; readonly problem: 'not-served' | 'no-previous' | 'failed'; readonly reason: string; readonly model?: ModelState };

class ReloadFailure extends Error {}

const messageOf = (error: unknown): string => (error instanceof Error ? error.message : String(error));

async function defaultLoadEntry(repository: string, name: string, version?: number): Promise<ModelEntry> {
  const [entry] = await loadModelRepository(repository, [{ name, ...(version === undefined ? {} : { version }) }]);
  return entry as ModelEntry;
}

export class ModelLifecycle {
  readonly #o: ModelLifecycleOptions;
  readonly #state: LifecycleState;
  /** Every version the workers hold, by modelId. */
  readonly #entries = new Map<string, ModelEntry>();
  /** Start-up versions that are not their name's lifecycle-managed version (served beside it): never released. */
  readonly #pinned = new Set<string>();
  /** Live flow plan generations; the last one is what new flow batches run on. */
  #generations: FlowGeneration[];
  #queue: Promise<unknown> = Promise.resolve();

  constructor(options: ModelLifecycleOptions) {
    this.#o = options;
    const served = new Map<string, number>();
    for (const { config } of options.entries) served.set(config.name, Math.max(config.version, served.get(config.name) ?? 0));
    this.#state = new LifecycleState(served);
    for (const entry of options.entries) {
      const id = modelId(entry.config.name, entry.config.version);
      this.#entries.set(id, entry);
      if (served.get(entry.config.name) !== entry.config.version) this.#pinned.add(id);
    }
    this.#generations = [{ generation: 0, plans: options.plans, models: [...this.#entries.keys()] }];
    for (const [name, version] of served) options.metrics.served(name, version);
  }

  get state(): LifecycleState {
    return this.#state;
  }

  /** The flow plans new flow batches run on. */
  get plans(): readonly FlowPlan[] {
    return (this.#generations.at(-1) as FlowGeneration).plans;
  }

  /** modelIds the workers hold now. */
  get loaded(): string[] {
    return [...this.#entries.keys()];
  }

  entry(name: string, version: number): ModelEntry | undefined {
    return this.#entries.get(modelId(name, version));
  }

  /** A version the workers hold, by modelId ("name:version"). */
  entryById(id: string): ModelEntry | undefined {
    return this.#entries.get(id);
  }

  /** Loads, checks and switches to `version` (absent: the highest on disk). */
  reload(name: string, version: number | undefined, trigger: Exclude<ReloadTrigger, 'rollback'>): Promise<LifecycleResult> {
    return this.#serialized(() => this.#reload(name, version, trigger));
  }

  /** Serves the previous version again (it is still loaded and was checked when it was served). */
  rollback(name: string): Promise<LifecycleResult> {
    return this.#serialized(async () => {
      const plan = this.#state.rollbackPlan(name);
      if (!plan.ok) return { ok: false, problem: this.#state.get(name) === undefined ? 'not-served' : 'no-previous', reason: plan.reason };
      const entry = this.#entries.get(modelId(name, plan.to)) as ModelEntry;
      try {
        await this.#switch(entry, 'rollback');
      } catch (error) {
        return this.#failed(name, plan.to, 'rollback', messageOf(error));
      }
      this.#o.metrics.reload(name, 'rolled_back');
      this.#o.log.warn({ model: name, from: plan.from, version: plan.to }, 'model rolled back; new batches score on the previous version');
      return { ok: true, result: 'switched', model: this.#state.get(name) as ModelState };
    });
  }

  #serialized<T>(work: () => Promise<T>): Promise<T> {
    const run = this.#queue.then(work);
    this.#queue = run.catch(() => undefined);
    return run;
  }

  async #reload(name: string, version: number | undefined, trigger: Exclude<ReloadTrigger, 'rollback'>): Promise<LifecycleResult> {
    const current = this.#state.get(name);
    if (current === undefined) return { ok: false, problem: 'not-served', reason: `model ${name} is not served (models.serve)` };
    if (version === current.version) return { ok: true, result: 'unchanged', model: current };
    const started = this.#o.wallClock();
    let entry: ModelEntry;
    try {
      entry = this.#entries.get(modelId(name, version ?? -1)) ?? (await this.#check(name, version));
    } catch (error) {
      return this.#failed(name, version, trigger, messageOf(error));
    }
    const { version: loaded } = entry.config;
    if (loaded === current.version) return { ok: true, result: 'unchanged', model: current };
    try {
      await this.#switch(entry, trigger);
    } catch (error) {
      await this.#release().catch(() => undefined);
      return this.#failed(name, loaded, trigger, messageOf(error));
    }
    this.#o.metrics.reload(name, 'switched');
    this.#o.log.info({ model: name, version: loaded, previous: current.version, trigger, ms: this.#o.wallClock() - started }, 'model version switched');
    return { ok: true, result: 'switched', model: this.#state.get(name) as ModelState };
  }

  /** Reads, loads in every worker and checks a version not loaded yet; throws the reason it fails. */
  async #check(name: string, version: number | undefined): Promise<ModelEntry> {
    const load = this.#o.loadEntry ?? defaultLoadEntry;
    const entry = await load(this.#o.repository, name, version).catch((error: unknown) => {
      throw new ReloadFailure(messageOf(error).replace(/^model repository [^:]*:\s*/, ''));
    });
    const { config } = entry;
    const id = modelId(config.name, config.version);
    if (this.#entries.has(id)) return this.#entries.get(id) as ModelEntry;
    this.#o.attempted?.(config.name, config.version);
    if (config.kind !== 'heuristic') compileFeatureMapper(config, this.#o.limits);
    try {
      const report = await this.#o.pool.syncModels([...this.#entries.values(), entry], this.#generations);
      const failure = report.failures.find((f) => f.id === id);
      if (failure !== undefined) throw new ReloadFailure(`${failure.message} (inference thread ${failure.threadId})`);
      if (config.kind !== 'heuristic') checkFeatureSpec(config, await this.#o.pool.describe(config.name, config.version));
      await runGolden(this.#o.pool, entry);
    } catch (error) {
      // Whatever was loaded of it is released again: the workers hold what they held before.
      await this.#o.pool.syncModels([...this.#entries.values()], this.#generations).catch(() => undefined);
      throw error;
    }
    this.#entries.set(id, entry);
    return entry;
  }

  /** Makes `entry` its name's served version, flows included; the workers hold everything it needs. */
  async #switch(entry: ModelEntry, trigger: ReloadTrigger): Promise<void> {
    const { name, version } = entry.config;
    const before = this.#state.get(name) as ModelState;
    const served = new Map(this.#state.all().map((m) => [m.name, m.version]));
    served.set(name, version);
    if (this.#o.plans.length > 0) {
      const plans = this.#o.buildPlans([...this.#entries.values()], served);
      const generation = (this.#generations.at(-1) as FlowGeneration).generation + 1;
      const models = new Set([...served].map(([n, v]) => modelId(n, v)));
      for (const plan of plans) for (const id of planModels(plan)) models.add(id);
      for (const id of this.#pinned) models.add(id);
      const next: FlowGeneration = { generation, plans, models: [...models] };
      const report = await this.#o.pool.syncModels([...this.#entries.values()], [...this.#generations, next]);
      const failure = report.failures.find((f) => f.id === `flows:${generation}`);
      if (failure !== undefined) throw new ReloadFailure(`the flows do not compile on ${modelId(name, version)}: ${failure.message}`);
      this.#generations.push(next);
      this.#o.stage.usePlans(generation);
    }
    // The switch itself: one assignment each, on the thread that dispatches batches.
    this.#o.stage.serve({ id: modelId(name, version), name, version });
    this.#state.switched(name, version, trigger, this.#o.wallClock());
    this.#o.metrics.served(name, version);
    if (before.version !== version) void this.#collectWhenUnused();
  }

  #failed(name: string, version: number | undefined, trigger: ReloadTrigger, reason: string): LifecycleResult {
    const model = this.#state.failed(name, version ?? 0, trigger, reason, this.#o.wallClock());
    this.#o.metrics.reload(name, 'failed');
    this.#o.log.error({ model: name, version, trigger, reason, serving: model.version }, 'model reload failed; the served version keeps serving');
    return { ok: false, problem: 'failed', reason, model };
  }

  /** What must stay loaded whatever is in flight: served and previous versions, pinned ones, the models of `generations`. */
  #keep(generations: readonly FlowGeneration[]): Set<string> {
    const ids = new Set([...this.#state.kept().map((m) => modelId(m.name, m.version)), ...this.#pinned]);
    // With no flows, generation 0 stays current and its models (the start-up set) pin nothing.
    for (const generation of generations) if (generation.plans.length > 0) for (const id of generation.models) ids.add(id);
    return ids;
  }

  /** Releases, once their last batch is done, the versions and plans generations nothing needs any more. */
  async #collectWhenUnused(): Promise<void> {
    const current = this.#generations.at(-1) as FlowGeneration;
    const old = this.#generations.filter((g) => g !== current);
    await Promise.all(old.map((g) => this.#o.stage.whenUnused({ plans: g.generation })));
    const keep = this.#keep([current]);
    const unneeded = [...this.#entries.keys()].filter((id) => !keep.has(id));
    await Promise.all(unneeded.map((id) => this.#o.stage.whenUnused({ model: id })));
    await this.#serialized(() => this.#release()).catch((error: unknown) =>
      this.#o.log.warn({ err: error }, 'releasing unused model versions failed; they stay loaded'),
    );
  }

  /**
   * One sync dropping every version and old plans generation that is neither needed nor in flight
   * now. Runs serialized, so no switch moves under it; a batch can only start on a served version or
   * the current plans, which are kept.
   */
  async #release(): Promise<void> {
    const current = this.#generations.at(-1) as FlowGeneration;
    const generations = this.#generations.filter((g) => g === current || this.#o.stage.usesOfPlans(g.generation) > 0);
    const keep = this.#keep(generations);
    const released = [...this.#entries.keys()].filter((id) => !keep.has(id) && this.#o.stage.usesOfModel(id) === 0);
    if (released.length === 0 && generations.length === this.#generations.length) return;
    for (const id of released) this.#entries.delete(id);
    this.#generations = generations;
    await this.#o.pool.syncModels([...this.#entries.values()], generations);
    if (released.length > 0) this.#o.log.info({ released }, 'model versions no batch uses any more were released in every inference thread');
  }
}
