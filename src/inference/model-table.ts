/**
 * An inference worker's models and flows, as the main thread's model set says they should be (hot
 * reload, issue 10 item 7): sessions by modelId, compiled flows by plan generation. Applying a sync
 * loads what the thread lacks, compiles the flow generations it lacks, then drops what the set no longer
 * lists, closing those sessions. The main thread drops a model only once no batch uses it, so a batch in
 * flight always finds the version it was sent for. Syncs run one at a time, in arrival order. Loading
 * and closing are injected, so this file never touches onnxruntime-node.
 */

import { modelId } from '../core/model-id.ts';
import type { CompiledFlow } from '../flows/executor.ts';
import type { FlowModel } from '../flows/flow-model.ts';
import type { FlowPlan } from '../flows/plan.ts';
import type { ModelSetSync, ModelSetSynced, WorkerModel } from './protocol.ts';

export interface ModelTableOptions<M extends FlowModel> {
  load(model: WorkerModel): Promise<M>;
  close(model: M): Promise<void>;
  compile(plans: readonly FlowPlan[], models: ReadonlyMap<string, M>): Promise<Map<string, CompiledFlow>>;
}

type Failure = ModelSetSynced['failures'][number];

const messageOf = (error: unknown): string => (error instanceof Error ? error.message : String(error));

export class ModelTable<M extends FlowModel> {
  readonly models = new Map<string, M>();
  readonly #flows = new Map<number, Map<string, CompiledFlow>>();
  readonly #o: ModelTableOptions<M>;
  #generation = 0;
  #queue: Promise<unknown> = Promise.resolve();

  constructor(options: ModelTableOptions<M>) {
    this.#o = options;
  }

  /** The generation of the last sync applied (0: the start-up set). */
  get generation(): number {
    return this.#generation;
  }

  /** Start-up: generation 0, loaded from workerData; a failure throws (the thread fails its bootstrap). */
  async start(models: readonly WorkerModel[], plans: readonly FlowPlan[]): Promise<void> {
    for (const model of models) this.models.set(modelId(model.config.name, model.config.version), await this.#o.load(model));
    this.#flows.set(0, await this.#o.compile(plans, this.models));
  }

  model(name: string, version: number): M {
    const model = this.models.get(modelId(name, version));
    if (model === undefined) throw new Error(`model ${modelId(name, version)} is not loaded in this worker`);
    return model;
  }

  flow(name: string, generation: number): CompiledFlow {
    const flow = this.#flows.get(generation)?.get(name);
    if (flow === undefined) throw new Error(`flow ${name}${generation === 0 ? '' : ` (plans generation ${generation})`} is not loaded in this worker`);
    return flow;
  }

  /** Applies syncs in arrival order; a sync no newer than the table's is answered without work. */
  apply(sync: ModelSetSync): Promise<Failure[]> {
    const run = this.#queue.then(() => (sync.generation > this.#generation ? this.#apply(sync) : []));
    this.#queue = run.catch(() => undefined);
    return run;
  }

  async #apply(sync: ModelSetSync): Promise<Failure[]> {
    const failures: Failure[] = [];
    const wanted = new Set<string>();
    for (const model of sync.models) {
      const id = modelId(model.config.name, model.config.version);
      wanted.add(id);
      if (this.models.has(id)) continue;
      try {
        this.models.set(id, await this.#o.load(model));
      } catch (error) {
        failures.push({ id, message: messageOf(error) });
      }
    }
    const generations = new Set(sync.flows.map((flows) => flows.generation));
    for (const { generation, plans, models } of sync.flows) {
      if (this.#flows.has(generation)) continue;
      // A generation's flows see its own models only: chaining "name" picks among these, not a candidate.
      const seen = new Map(models.flatMap((id) => (this.models.has(id) ? [[id, this.models.get(id) as M] as const] : [])));
      try {
        this.#flows.set(generation, await this.#o.compile(plans, seen));
      } catch (error) {
        failures.push({ id: `flows:${generation}`, message: messageOf(error) });
      }
    }
    for (const generation of this.#flows.keys()) if (!generations.has(generation)) this.#flows.delete(generation);
    for (const [id, model] of this.models) {
      if (wanted.has(id)) continue;
      this.models.delete(id);
      await this.#o.close(model).catch(() => undefined);
    }
    this.#generation = sync.generation;
    return failures;
  }
}
