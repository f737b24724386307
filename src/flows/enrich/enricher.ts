/**
 * The enrichment stage of a flow batch, in its inference worker: every live event's keys rendered from
 * its fields, the distinct keys looked up in the cache, the misses fetched from Redis in one round trip
 * (retried, bounded), and each lookup's values mapped onto the event's feature fields. A record whose
 * value is missing and has no default fails (MISSING_FEATURE, naming the Redis key and field). When
 * Redis stays unavailable, `wait` hands the whole batch back to the main thread untouched, and
 * `defaults` fills every looked-up field the cache could not answer with its default and flags the row.
 */

import { type KeyTemplate, parseKeyTemplate } from '../../config/key-template.ts';
import type { Clock, Scheduler } from '../../core/clock.ts';
import type { EnrichmentLookup, EnrichmentReport } from '../../inference/protocol.ts';
import type { FlowBatch, Job } from '../flow-batch.ts';
import type { EnrichPlan } from '../plan.ts';
import { cacheId, EnrichCache, type Wanted } from './cache.ts';
import { renderKey } from './key-template.ts';
import { type CompiledField, compileField, fillDefaults, mapStored } from './mapping.ts';
import { ENRICH_BACKOFF, withRetries } from './retry.ts';
import type { EnrichStore } from './store.ts';
import type { Stored } from './stored.ts';

export interface EnrichOutcome {
  readonly report: Omit<EnrichmentReport, 'defaulted'>;
  /** Rows scored with defaults because Redis was unavailable (onUnavailable: defaults): flagged. */
  readonly defaulted: ReadonlySet<number>;
}

interface CompiledLookup {
  readonly template: KeyTemplate;
  readonly fields: readonly CompiledField[];
}

/** Each live job's key per lookup (undefined: the event lacks a template field, named in `missing`). */
interface Keyed {
  readonly job: Job;
  readonly keys: (string | undefined)[];
  readonly missing: (string | undefined)[];
}

export interface EnricherDeps {
  readonly store: EnrichStore;
  readonly clock: Clock;
  readonly scheduler: Scheduler;
  readonly random?: () => number;
}

export class Enricher {
  readonly #plan: EnrichPlan;
  readonly #lookups: readonly CompiledLookup[];
  readonly #cache: EnrichCache;
  readonly #deps: EnricherDeps;

  /** Throws when a key template is invalid (the configuration rules report it first, naming the setting). */
  constructor(plan: EnrichPlan, deps: EnricherDeps) {
    this.#plan = plan;
    this.#lookups = plan.lookups.map((l) => ({ template: parseKeyTemplate(l.key), fields: l.fields.map(compileField) }));
    this.#cache = new EnrichCache(plan.cache, deps.clock);
    this.#deps = deps;
  }

  /** Enriches the live jobs' events in place; failing rows fail on `batch`. Undefined `unavailable`: the batch goes on. */
  async enrich(batch: FlowBatch, jobs: readonly Job[]): Promise<EnrichOutcome & { readonly unavailable?: string }> {
    const keyed = jobs.map((job) => this.#keys(job));
    const plan = this.#cache.plan(this.#wants(keyed));
    const report = { hits: plan.hits, misses: plan.misses.length, lookups: [] as EnrichmentLookup[] };
    const defaulted = new Set<number>();
    if (plan.misses.length > 0) {
      const requests = plan.misses.map((w) => ({ lookup: this.#plan.lookups[w.lookup] as EnrichPlan['lookups'][number], key: w.key }));
      const retry = { ...this.#deps, retries: this.#plan.retries, policy: ENRICH_BACKOFF };
      const fetched = await withRetries(() => this.#deps.store.fetch(requests), requests.length, retry);
      report.lookups.push(...fetched.attempts);
      if ('unavailable' in fetched) {
        if (this.#plan.onUnavailable === 'wait') return { report, defaulted, unavailable: fetched.unavailable };
        for (const k of keyed) if (this.#fillUnanswered(batch, k, plan.found, fetched.unavailable)) defaulted.add(k.job.row);
        return { report, defaulted };
      }
      fetched.value.forEach((stored, i) => {
        const want = plan.misses[i] as Wanted;
        this.#cache.set(want, stored);
        plan.found.set(cacheId(want.lookup, want.key), stored);
      });
    }
    for (const k of keyed) this.#map(batch, k, plan.found);
    return { report, defaulted };
  }

  #keys(job: Job): Keyed {
    const keys: (string | undefined)[] = [];
    const missing: (string | undefined)[] = [];
    for (const { template } of this.#lookups) {
      const rendered = renderKey(template, job.event);
      keys.push('key' in rendered ? rendered.key : undefined);
      missing.push('missing' in rendered ? rendered.missing : undefined);
    }
    return { job, keys, missing };
  }

  *#wants(keyed: readonly Keyed[]): Generator<Wanted> {
    for (const { keys } of keyed) {
      for (let l = 0; l < keys.length; l++) {
        const key = keys[l];
        if (key !== undefined) yield { lookup: l, key };
      }
    }
  }

  #map(batch: FlowBatch, { job, keys, missing }: Keyed, found: ReadonlyMap<string, Stored>): void {
    for (let l = 0; l < this.#lookups.length; l++) {
      const lookup = this.#lookups[l] as CompiledLookup;
      const key = keys[l];
      if (key === undefined) {
        if (!fillDefaults(lookup.fields, job.event)) batch.fail(job.row, 'MISSING_FEATURE', this.#noKey(lookup, missing[l] as string));
        continue;
      }
      const problem = mapStored(key, found.get(cacheId(l, key)) as Stored, lookup.fields, job.event);
      if (problem !== undefined) {
        batch.fail(job.row, problem.reason, problem.message);
        return;
      }
    }
  }

  /** Redis unavailable under `defaults`: what the cache answered is used, the rest defaulted; true when a default was used. */
  #fillUnanswered(batch: FlowBatch, k: Keyed, found: ReadonlyMap<string, Stored>, why: string): boolean {
    let used = false;
    for (let l = 0; l < this.#lookups.length; l++) {
      const lookup = this.#lookups[l] as CompiledLookup;
      const key = k.keys[l];
      if (key === undefined) {
        // No key to ask for: the record's own gap, not Redis's, so not flagged.
        if (!fillDefaults(lookup.fields, k.job.event)) batch.fail(k.job.row, 'MISSING_FEATURE', this.#noKey(lookup, k.missing[l] as string));
        continue;
      }
      const stored = found.get(cacheId(l, key));
      if (stored !== undefined) {
        const problem = mapStored(key, stored, lookup.fields, k.job.event);
        if (problem !== undefined) batch.fail(k.job.row, problem.reason, problem.message);
        continue;
      }
      used = true;
      // The configuration rules require a default on every field under `defaults`; this guards a plan built around them.
      if (!fillDefaults(lookup.fields, k.job.event))
        batch.fail(k.job.row, 'MISSING_FEATURE', `redis unavailable (${why}) and a field of ${lookup.template.text} has no default`);
    }
    return used;
  }

  #noKey(lookup: CompiledLookup, field: string): string {
    return `key template "${lookup.template.text}" needs event field "${field}", which this record lacks (or holds no string or number), and a field it sets has no default`;
  }
}
