/**
 * A flow as the inference workers execute it: what the configuration's `flows` entry (and the
 * `experiments` it names) becomes once validated, with hook files resolved to absolute paths. Shared
 * by the main thread (which builds it) and the workers (which run it); types only, so importing it
 * pulls in no runtime code.
 */
import type { EnrichConfig, EnrichFieldConfig, EnrichLookupConfig } from '../config/types.ts';

/** Enrichment from Redis (flows/enrich/): the validated `enrich` setting as it is, read by the workers. */
export type EnrichPlan = EnrichConfig;
export type EnrichLookupPlan = EnrichLookupConfig;
export type EnrichFieldPlan = EnrichFieldConfig;

/** A TypeScript module and the export in it that a hook calls. */
export interface HookRef {
  /** Absolute path of the .ts (or .js) file. */
  readonly file: string;
  readonly export: string;
}

/** What a routing rule picks for a record: one served model ("name:version"), or an experiment by id. */
export type RouteTarget = { readonly model: string } | { readonly experiment: string };

export type RoutePlan =
  /** Every target scores every record (fan-out; one target is the plain case). */
  | { readonly by: 'all'; readonly targets: readonly RouteTarget[] }
  /**
   * The value of one decoded field, one record header, or the input topic, looked up in `table`;
   * a value not in the table (or absent) takes `fallthrough`. An empty target list means no model
   * is routed: the record goes to the dead-letter topic as NO_MODEL.
   */
  | {
      readonly by: 'field' | 'header' | 'topic';
      /** The field's dotted path, or the header's name; unused for 'topic'. */
      readonly name: string;
      readonly table: Readonly<Record<string, readonly RouteTarget[]>>;
      readonly fallthrough: readonly RouteTarget[];
    };

export interface ExperimentVariant {
  readonly name: string;
  /** modelId of the variant's model. */
  readonly model: string;
  /** Relative weight, > 0; the split is weight / sum of weights. */
  readonly weight: number;
}

/**
 * An A/B test: a record's variant is a pure function of (experiment id, allocation key), so the same
 * user stays in the same variant across restarts, replicas and rebalances, with no lookup.
 */
export interface ExperimentPlan {
  readonly id: string;
  /** Dotted path of the decoded field that keys allocation; absent: the record key. */
  readonly keyField?: string;
  readonly variants: readonly ExperimentVariant[];
}

/**
 * The answer a flow gives for a record its model could not score (FallbackConfig): `model` first, then
 * the constant (when `score` is given); what neither answers goes to the DLQ.
 */
export interface FallbackPlan {
  readonly score?: number;
  readonly label: string | null;
  /** modelId of the model that answers first. */
  readonly model?: string;
  /** A model run longer than this for a batch is answered by the fallback. */
  readonly deadlineMs?: number;
  /** The error budget; the main thread keeps the circuits and tells the workers which are open. */
  readonly circuit?: { readonly errorRate: number; readonly minBatches: number; readonly windowMs: number; readonly openMs: number };
}

/** Why a fallback answered: stamped as the prediction's fallback_reason. */
export type FallbackReason = 'model-error' | 'deadline' | 'circuit-open';

/** A candidate scored beside a routed model on the same records, its predictions to a side topic. */
export interface ShadowPlan {
  /** modelId of the routed model it shadows. */
  readonly of: string;
  /** modelId of the candidate. */
  readonly candidate: string;
  /** Where its predictions go (the main thread sends them; the worker only encodes them). */
  readonly topic: string;
}

/** When the main thread rolls a canary back (flows/canary-guard.ts). */
export interface CanaryBounds {
  readonly maxErrorRate: number;
  readonly maxP99Ms?: number;
  readonly minRequests: number;
  readonly windowMs: number;
}

/**
 * A share of the records routed directly to `of` scored by `candidate` instead. Which records is a pure
 * function of (flow, allocation key), as in an A/B test, so a key stays on one side; the share is
 * `percent` unless the request overrides it (0 once the main thread rolled the canary back).
 */
export interface CanaryPlan {
  readonly of: string;
  readonly candidate: string;
  readonly percent: number;
  /** Dotted path of the decoded field that keys allocation; absent: the record key. */
  readonly keyField?: string;
  readonly bounds: CanaryBounds;
}

export interface FlowPlan {
  readonly name: string;
  /** Runs on the batch's decoded events before routing; may adjust an event or skip it with a reason. */
  readonly preprocess?: HookRef;
  readonly route: RoutePlan;
  /** Runs on each model's scored rows; may set the label, extra attributes, or ask for a chained model. */
  readonly postprocess?: HookRef;
  /** Absent: a record whose model fails goes to the dead-letter topic (INFERENCE_FAILED). */
  readonly fallback?: FallbackPlan;
  readonly experiments: readonly ExperimentPlan[];
  /** Absent: no shadow candidates. */
  readonly shadow?: readonly ShadowPlan[];
  /** Absent: no canary. */
  readonly canary?: CanaryPlan;
  /** Absent: no enrichment. */
  readonly enrich?: EnrichPlan;
}
