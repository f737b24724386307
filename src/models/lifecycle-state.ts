/**
 * Which version of each model is served, which one it replaced, and how the last reload went: the
 * switch and rollback rules of hot reload (issue 10 item 7), pure and with the time handed in.
 *
 * - A switch to version N makes the served version the previous one (a switch to the served version
 *   changes nothing). The previous version stays loaded, so a rollback is a switch back with no load.
 * - A rollback serves the previous version and makes the rolled-back one previous: a second rollback
 *   undoes the first.
 * - A failed reload changes nothing that is served; it is kept as the last reload, with its reason.
 */

export type ReloadTrigger = 'watch' | 'admin' | 'rollback';

export interface ReloadRecord {
  readonly version: number;
  readonly result: 'switched' | 'failed';
  readonly trigger: ReloadTrigger;
  /** Why it failed; absent when it switched. */
  readonly reason?: string;
  /** Wall-clock ms. */
  readonly at: number;
}

export interface ModelState {
  readonly name: string;
  readonly version: number;
  readonly previous?: number;
  readonly lastReload?: ReloadRecord;
}

export type RollbackPlan = { readonly ok: true; readonly from: number; readonly to: number } | { readonly ok: false; readonly reason: string };

export class LifecycleState {
  readonly #models = new Map<string, ModelState>();

  /** `served`: each lifecycle-managed model's version at start-up. */
  constructor(served: ReadonlyMap<string, number>) {
    for (const [name, version] of served) this.#models.set(name, { name, version });
  }

  get(name: string): ModelState | undefined {
    return this.#models.get(name);
  }

  all(): ModelState[] {
    return [...this.#models.values()];
  }

  /** modelIds that must stay loaded for these rules: every served and every previous version. */
  kept(): { name: string; version: number }[] {
    return this.all().flatMap((m) => [{ name: m.name, version: m.version }, ...(m.previous === undefined ? [] : [{ name: m.name, version: m.previous }])]);
  }

  switched(name: string, version: number, trigger: ReloadTrigger, at: number): ModelState {
    const current = this.#require(name);
    const lastReload: ReloadRecord = { version, result: 'switched', trigger, at };
    if (current.version === version) return this.#set({ ...current, lastReload });
    return this.#set({ name, version, previous: current.version, lastReload });
  }

  failed(name: string, version: number, trigger: ReloadTrigger, reason: string, at: number): ModelState {
    return this.#set({ ...this.#require(name), lastReload: { version, result: 'failed', trigger, reason, at } });
  }

  rollbackPlan(name: string): RollbackPlan {
    const current = this.#models.get(name);
    if (current === undefined) return { ok: false, reason: `model ${name} is not served` };
    if (current.previous === undefined)
      return { ok: false, reason: `model ${name} has no previous version to roll back to (it serves version ${current.version} since start-up)` };
    return { ok: true, from: current.version, to: current.previous };
  }

  /** The last failed reload of any model, newest first: what /readyz shows. */
  lastFailure(): (ReloadRecord & { readonly model: string }) | undefined {
    let last: (ReloadRecord & { model: string }) | undefined;
    for (const m of this.#models.values()) {
      const reload = m.lastReload;
      if (reload?.result === 'failed' && (last === undefined || reload.at >= last.at)) last = { model: m.name, ...reload };
    }
    return last;
  }

  #require(name: string): ModelState {
    const current = this.#models.get(name);
    if (current === undefined) throw new Error(`model ${name} is not served`);
    return current;
  }

  #set(state: ModelState): ModelState {
    this.#models.set(state.name, state);
    return state;
  }
}
