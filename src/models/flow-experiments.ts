/**
 * A flow lane's shadow candidates and canary on the main thread (issue 10, part 6): what each batch
 * request says (whether it sheds its shadow work, the canary's share now), and what each reply teaches:
 * the canary's guard its candidate's errors and run time, the metrics what was shed and how far the
 * shadow candidates are from the primary. The shadow records themselves ride with their input's
 * prediction as fan-out, to their own topics (flow-outcomes.ts), so they commit with the input.
 */
import type { OutputSpec } from '../codecs/prediction-encoder.ts';
import type { Clock } from '../core/clock.ts';
import type { Log } from '../core/log.ts';
import { CanaryGuard } from '../flows/canary-guard.ts';
import type { CanaryPlan, FlowPlan } from '../flows/plan.ts';
import { type LaneLoad, ShadowShedding } from '../flows/shadow-shedding.ts';
import type { FlowScoredReply, ScoreFlowRequest, ShadowScored } from '../inference/protocol.ts';

export interface ExperimentMetrics {
  /** Rows of a flow batch whose shadow scoring was shed. */
  recordShadowShed(flow: string, rows: number): void;
  /** One shadow candidate's part of a batch: the records it could not score, and each record's divergence. */
  recordShadow(flow: string, primary: string, candidate: string, scored: ShadowScored): void;
  /** The canary's state: at start (active) and at its rollback. */
  recordCanary(flow: string, candidate: string, active: boolean): void;
}

/** What a flow batch request carries for its experiments. */
export type ExperimentRequest = Pick<ScoreFlowRequest, 'shedShadow' | 'shadowOutputs' | 'canaryPercent'>;

/** Where a shadow candidate's records go, and their metric tag (predictions_produced_total's model label). */
export interface ShadowTarget {
  readonly topic: string;
  readonly tag: string;
}

export interface FlowExperimentsOptions {
  readonly plan: FlowPlan;
  /** How each shadow candidate's predictions are encoded, in plan.shadow order. */
  readonly shadowOutputs: readonly OutputSpec[];
  readonly metrics: ExperimentMetrics;
  readonly log: Log;
  readonly clock: Clock;
}

export class FlowExperiments {
  readonly shadowTargets: readonly ShadowTarget[];
  readonly #o: FlowExperimentsOptions;
  readonly #shedding: ShadowShedding | undefined;
  readonly #canary: { readonly plan: CanaryPlan; readonly guard: CanaryGuard } | undefined;

  constructor(options: FlowExperimentsOptions) {
    this.#o = options;
    const { plan } = options;
    this.shadowTargets = (plan.shadow ?? []).map((s) => ({ topic: s.topic, tag: `shadow/${s.candidate}` }));
    this.#shedding = plan.shadow === undefined ? undefined : new ShadowShedding(options.clock);
    const { canary } = plan;
    this.#canary = canary === undefined ? undefined : { plan: canary, guard: new CanaryGuard(canary.bounds, options.clock) };
    if (canary !== undefined) options.metrics.recordCanary(plan.name, canary.candidate, true);
  }

  /** The experiments' part of the request for a batch formed under `load`. */
  request(load: LaneLoad): ExperimentRequest {
    const canary = this.#canary;
    return {
      ...(this.#shedding === undefined ? {} : { shedShadow: this.#shedding.shed(load), shadowOutputs: this.#o.shadowOutputs }),
      ...(canary === undefined ? {} : { canaryPercent: canary.guard.active ? canary.plan.percent : 0 }),
    };
  }

  observe(reply: FlowScoredReply): void {
    const { plan, metrics } = this.#o;
    const { shadow } = reply;
    if (shadow !== undefined) {
      if (shadow.shed > 0) metrics.recordShadowShed(plan.name, shadow.shed);
      shadow.candidates.forEach((scored, i) => {
        const s = plan.shadow?.[i];
        if (s !== undefined) metrics.recordShadow(plan.name, s.of, s.candidate, scored);
      });
    }
    const canary = this.#canary;
    const run = canary === undefined ? undefined : reply.modelRuns.find((r) => r.model === canary.plan.candidate);
    if (canary === undefined || run === undefined) return;
    const verdict = canary.guard.record({ rows: run.rows, errors: run.failedRows, ms: run.ms });
    if (verdict === undefined) return;
    const { candidate, of, bounds } = canary.plan;
    metrics.recordCanary(plan.name, candidate, false);
    const [setting, value] = verdict.breached === 'error-rate' ? ['maxErrorRate', verdict.errorRate.toFixed(4)] : ['maxP99Ms', verdict.p99Ms.toFixed(1)];
    this.#o.log.warn(
      { flow: plan.name, candidate, of, ...verdict, minRequests: bounds.minRequests, windowMs: bounds.windowMs },
      `canary rolled back: ${candidate} breached canary.${setting} (${value} > ${verdict.bound}); every record goes to ${of} from now on`,
    );
  }
}
