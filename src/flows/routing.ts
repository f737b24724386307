/**
 * Which models score a record: a flow's routing rule compiled once, then asked per record. A field's
 * value (read by its dotted path from the decoded, preprocessed event), a header's value or the input
 * topic is looked up in the rule's table as a string; an absent value, or one not in the table, takes
 * the fallthrough. An experiment target becomes the variant the record's allocation key falls in
 * (allocation.ts). An empty answer means no model: the caller fails the record as NO_MODEL.
 */
import { readPath } from '../codecs/feature-fields.ts';
import { type Allocator, compileAllocator } from './allocation.ts';
import type { HookEvent } from './hook-api.ts';
import type { ExperimentPlan, RoutePlan, RouteTarget } from './plan.ts';

/** One model's scoring of a record, and the experiment and variant that chose it, if one did. */
export interface Scoring {
  readonly model: string;
  readonly experiment?: string;
  readonly variant?: string;
}

/** What routing reads of a record. */
export interface RouteRow {
  readonly event: HookEvent;
  readonly topic: string;
  /** The value of the header the flow routes by, or null. */
  readonly header: string | null;
  /** The record key, or null: an experiment's allocation key when it names no key field. */
  readonly key: string | null;
}

export interface Router {
  /** Every model a record can be routed to, for checking against the served ones. */
  readonly models: ReadonlySet<string>;
  /** The record's scorings, in target order (several: fan-out). */
  route(row: RouteRow): readonly Scoring[];
}

/** A field's value as the routing table and allocation compare it; null when absent. */
function fieldText(event: HookEvent, path: readonly string[]): string | null {
  const value = readPath(event, path);
  return value === undefined || value === null ? null : String(value);
}

interface Experiment {
  readonly allocator: Allocator;
  readonly keyPath: readonly string[] | undefined;
  /** One Scoring per variant, made once: routing allocates nothing per record. */
  readonly scorings: ReadonlyMap<string, Scoring>;
}

function compileExperiment(plan: ExperimentPlan): Experiment {
  const scorings = new Map(plan.variants.map((v) => [v.name, { model: v.model, experiment: plan.id, variant: v.name }]));
  return { allocator: compileAllocator(plan), keyPath: plan.keyField?.split('.'), scorings };
}

/** A record's allocation key: the key field when one is named and the event has it, else the record key. */
export function allocationKey(row: RouteRow, keyPath: readonly string[] | undefined): string | null {
  return (keyPath === undefined ? null : fieldText(row.event, keyPath)) ?? row.key;
}

function variantScoring(experiment: Experiment, row: RouteRow): Scoring {
  return experiment.scorings.get(experiment.allocator.variantOf(allocationKey(row, experiment.keyPath)).name) as Scoring;
}

type Resolve = (row: RouteRow) => readonly Scoring[];

function compileTargets(targets: readonly RouteTarget[], experiments: ReadonlyMap<string, Experiment>, models: Set<string>): Resolve {
  const parts = targets.map((target): Scoring | Experiment => {
    if ('model' in target) {
      models.add(target.model);
      return { model: target.model };
    }
    const experiment = experiments.get(target.experiment);
    if (experiment === undefined) throw new Error(`the route names experiment ${target.experiment}, which the flow does not declare`);
    for (const v of experiment.allocator.experiment.variants) models.add(v.model);
    return experiment;
  });
  if (parts.every((p) => 'model' in p)) {
    const fixed = parts as Scoring[];
    return () => fixed;
  }
  return (row) => parts.map((p) => ('model' in p ? p : variantScoring(p, row)));
}

/** Throws when the route names an experiment the flow does not declare, or an experiment is invalid. */
export function compileRouter(route: RoutePlan, experimentPlans: readonly ExperimentPlan[]): Router {
  const experiments = new Map(experimentPlans.map((plan) => [plan.id, compileExperiment(plan)]));
  const models = new Set<string>();
  if (route.by === 'all') return { models, route: compileTargets(route.targets, experiments, models) };
  const table = new Map(Object.entries(route.table).map(([value, targets]) => [value, compileTargets(targets, experiments, models)]));
  const fallthrough = compileTargets(route.fallthrough, experiments, models);
  const path = route.name.split('.');
  const lookedUp: (row: RouteRow) => string | null =
    route.by === 'field' ? (row) => fieldText(row.event, path) : route.by === 'header' ? (row) => row.header : (row) => row.topic;
  return {
    models,
    route(row) {
      const value = lookedUp(row);
      return ((value === null ? undefined : table.get(value)) ?? fallthrough)(row);
    },
  };
}
