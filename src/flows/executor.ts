/**
 * Runs one flow batch (a ScoreFlowRequest) in an inference worker: decode every record into an event,
 * the flow's preprocess on the whole batch, routing (fan-out and experiments), each routed model's
 * answers in one run per model (model-answers.ts), the flow's fallback for a row a model could not
 * score, the flow's postprocess per model, the chains the predictions ask for (chaining.ts), and one
 * encoded prediction per (row, routed model) (flow-output.ts). Every failure is a row's, with its DLQ
 * reason; a hook that throws fails the rows of its call only. Pure apart from the models, the hooks and
 * the clock it is given, so it is tested without onnxruntime-node.
 *
 * A row a model could not score gets the fallback's answer as it is: the flow's postprocess and chains
 * are for model answers, and rules written for a model's score would misread a constant.
 *
 * A model preprocess that changes an event in place changes it for every model the row is routed to;
 * one that returns a new object keeps its change to its own model.
 *
 * Enrichment (enrich/flow-step.ts) runs right after decoding, before the preprocess hook; a batch it
 * hands back (Redis unavailable, onUnavailable: wait) goes no further.
 *
 * Experiments beyond A/B (shadow-scoring.ts, canary-split.ts): a canary replaces some of its model's
 * scorings at routing, at the share the request says; shadow candidates score after the primary
 * predictions are encoded, unless the request sheds them, and never fail a primary row.
 */
import type { FeatureLogWriter, FeatureRef } from '../codecs/feature-log-writer.ts';
import type { OutputSpec, PredictionWriter } from '../codecs/prediction-encoder.ts';
import type { Clock } from '../core/clock.ts';
import { modelId } from '../core/model-id.ts';
import { RecordError } from '../errors.ts';
import type { FlowScoredReply, ModelRun, ScoreFlowRequest } from '../inference/protocol.ts';
import { type CanarySplit, compileCanarySplit } from './canary-split.ts';
import { runChains } from './chaining.ts';
import type { Enricher } from './enrich/enricher.ts';
import { enrichStep, flagDefaulted } from './enrich/flow-step.ts';
import type { EventDecoder } from './event-decoder.ts';
import { FlowBatch, type Job } from './flow-batch.ts';
import { logFlowFeatures } from './flow-feature-log.ts';
import type { FlowHooks, FlowModel } from './flow-model.ts';
import { encodeOutputs, type Output } from './flow-output.ts';
import type { HookEvent, HookPrediction } from './hook-api.ts';
import { postprocessJobs, predictionProblem, preprocessJobs, type ScoredJob } from './hook-calls.ts';
import { type ModelAnswer, modelAnswers } from './model-answers.ts';
import type { FlowPlan } from './plan.ts';
import { compileRouter, type Router, type Scoring } from './routing.ts';
import { scoreShadows } from './shadow-scoring.ts';

export interface CompiledFlow {
  readonly plan: FlowPlan;
  readonly router: Router;
  readonly hooks: FlowHooks;
  /** Every model the worker serves, by modelId: the routed ones, and any a prediction may chain. */
  readonly models: ReadonlyMap<string, FlowModel>;
  readonly canary?: CanarySplit;
  /** The worker's enricher of this flow (its Redis connection and cache), when the plan enriches. */
  readonly enricher?: Enricher;
}

export interface FlowCodecs {
  readonly events: EventDecoder;
  /** The writer of an output spec: the request's, and its shadow candidates'. */
  readonly writer: (output: OutputSpec) => PredictionWriter;
  /** The feature-log writer of a registered schema id (ScoreFlowRequest.featureLog). */
  readonly featureLog: (schemaId: number) => FeatureLogWriter;
}

/** Throws, naming the flow, when its route names an experiment it lacks or a model `models` lacks. */
export function compileFlow(plan: FlowPlan, hooks: FlowHooks, models: ReadonlyMap<string, FlowModel>, enricher?: Enricher): CompiledFlow {
  let router: Router;
  try {
    router = compileRouter(plan.route, plan.experiments);
  } catch (error) {
    throw new Error(`flow ${plan.name}: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
  }
  const candidates = [...(plan.shadow ?? []).map((s) => s.candidate), ...(plan.canary === undefined ? [] : [plan.canary.candidate])];
  const missing = [...new Set([...router.models, ...candidates])].filter((id) => !models.has(id));
  if (missing.length > 0) throw new Error(`flow ${plan.name} routes to ${missing.join(', ')}, which this worker does not serve`);
  return {
    plan,
    router,
    hooks,
    models,
    ...(plan.canary === undefined ? {} : { canary: compileCanarySplit(plan.name, plan.canary) }),
    ...(enricher === undefined ? {} : { enricher }),
  };
}

interface ModelJob extends Job {
  readonly slot: number;
  readonly scoring: Scoring;
}

function decodeAll(batch: FlowBatch, decoder: EventDecoder): Job[] {
  const { request } = batch;
  const jobs: Job[] = [];
  let start = 0;
  for (let row = 0; row < request.rows; row++) {
    const end = request.valueEnds[row] as number;
    try {
      jobs.push({ row, event: decoder.decode(request.values, start, end, request.schemaIds[row] as number, request.writerSchemas) });
    } catch (error) {
      if (!(error instanceof RecordError)) throw error;
      batch.fail(row, error.reason, error.message);
    }
    start = end;
  }
  return jobs;
}

/** Each model's jobs, in the order models are first routed to; `slots[i]`: row i's outputs, one per scoring. */
function route(batch: FlowBatch, flow: CompiledFlow, jobs: readonly Job[], slots: (Output | undefined)[][]): Map<string, ModelJob[]> {
  const groups = new Map<string, ModelJob[]>();
  const { router, canary } = flow;
  const percent = batch.request.canaryPercent ?? flow.plan.canary?.percent ?? 0;
  for (const { row, event } of jobs) {
    const routeRow = { event, topic: batch.topicOf(row), header: batch.request.routeHeaders?.[row] ?? null, key: batch.contexts[row]!.key };
    const routed = router.route(routeRow);
    const scorings = canary === undefined ? routed : canary(routed, routeRow, percent);
    if (scorings.length === 0) batch.fail(row, 'NO_MODEL', `flow ${flow.plan.name} routes no model for this record (by ${flow.plan.route.by})`);
    // Filled, not sparse: `complete` must see a slot no answer filled.
    slots[row] = new Array<Output | undefined>(scorings.length).fill(undefined);
    scorings.forEach((scoring, slot) => {
      const group = groups.get(scoring.model) ?? [];
      group.push({ row, event, slot, scoring });
      groups.set(scoring.model, group);
    });
  }
  return groups;
}

type Answered = ModelAnswer | undefined;

/**
 * The fallback's answers for the jobs a model could not score: its model first (a heuristic, or the
 * previous version), then its constant; a job neither answers fails with the model's own reason.
 */
async function fallbackAnswers(
  batch: FlowBatch,
  flow: CompiledFlow,
  config: FlowModel['config'],
  failed: readonly [ModelJob, ModelAnswer & { kind: 'model-error' }][],
  slots: (Output | undefined)[][],
): Promise<void> {
  const { fallback } = flow.plan;
  const standIn = fallback?.model === undefined ? undefined : flow.models.get(fallback.model);
  const theirs: Answered[] =
    standIn === undefined
      ? []
      : await modelAnswers(
          batch,
          standIn,
          failed.map(([job]) => job),
        );
  failed.forEach(([job, answer], k) => {
    if (batch.failed(job.row)) return;
    const stood = theirs[k];
    const attributes: Record<string, string> = {};
    let prediction: HookPrediction | undefined;
    if (stood?.kind === 'scored') {
      attributes['fallback_model'] = fallback?.model ?? '';
      prediction = { score: stood.prediction.score, label: stood.prediction.label, attributes };
    } else if (fallback?.score !== undefined) prediction = { score: fallback.score, label: fallback.label, attributes };
    if (prediction === undefined) batch.fail(job.row, answer.reason, answer.message);
    else slots[job.row]![job.slot] = { config, scoring: job.scoring, prediction, fallback: answer.why, chained: [] };
  });
}

/** What a model whose circuit is open answers: nothing, so the fallback does. */
function circuitOpen(jobs: readonly ModelJob[], id: string): Answered[] {
  const answer: ModelAnswer = { kind: 'model-error', reason: 'INFERENCE_FAILED', message: `model-error: the circuit of ${id} is open`, why: 'circuit-open' };
  return jobs.map(() => answer);
}

/** A model's answers for its jobs, with the flow's fallback and postprocess, into `slots`; returns how it did. */
async function scoreModel(
  batch: FlowBatch,
  flow: CompiledFlow,
  model: FlowModel,
  jobs: readonly ModelJob[],
  slots: (Output | undefined)[][],
): Promise<ModelRun | undefined> {
  const { config } = model;
  const id = modelId(config.name, config.version);
  const { fallback } = flow.plan;
  const open = batch.request.openCircuits?.includes(id) === true && fallback !== undefined;
  const start = batch.now();
  const answers = open ? circuitOpen(jobs, id) : await modelAnswers(batch, model, jobs, fallback?.deadlineMs);
  const ms = batch.now() - start;
  const scored: ScoredJob<ModelJob>[] = [];
  const failed: [ModelJob, ModelAnswer & { kind: 'model-error' }][] = [];
  const features = new Map<ModelJob, FeatureRef>();
  jobs.forEach((job, k) => {
    const answer = answers[k];
    if (answer === undefined) return;
    if (answer.kind === 'scored') {
      scored.push({ job, prediction: answer.prediction });
      if (answer.features !== undefined) features.set(job, answer.features);
    } else if (fallback === undefined) batch.fail(job.row, answer.reason, answer.message);
    else failed.push([job, answer]);
  });
  if (failed.length > 0) await fallbackAnswers(batch, flow, config, failed, slots);
  const { postprocess } = flow.hooks;
  const kept = postprocess === undefined ? scored : postprocessJobs(batch, postprocess, 'postprocess', id, scored);
  for (const { job, prediction } of kept) {
    const problem = predictionProblem(prediction);
    if (problem !== undefined) batch.fail(job.row, 'HOOK_FAILED', `model ${id}: after the postprocess hooks the ${problem}`);
    else {
      const fed = features.get(job);
      slots[job.row]![job.slot] = { config, scoring: job.scoring, prediction, fallback: null, chained: [], ...(fed === undefined ? {} : { features: fed }) };
    }
  }
  if (open) return undefined;
  const modelFailed = answers.filter((a) => a?.kind === 'model-error');
  return {
    model: id,
    rows: jobs.length,
    failedRows: modelFailed.length,
    deadlineMissed: modelFailed.some((a) => a?.kind === 'model-error' && a.why === 'deadline'),
    ms,
  };
}

/** Every row's outputs; a live row missing one (a bug, never expected) fails rather than write a partial fan-out. */
function complete(batch: FlowBatch, slots: readonly (Output | undefined)[][]): Output[][] {
  return slots.map((row, i) => {
    if (!batch.failed(i) && row.some((o) => o === undefined)) batch.fail(i, 'INTERNAL_ERROR', 'the flow executor produced no prediction for one of its models');
    return row.filter((o) => o !== undefined);
  });
}

export async function executeFlow(request: ScoreFlowRequest, flow: CompiledFlow, codecs: FlowCodecs, clock: Clock): Promise<FlowScoredReply> {
  const batch = new FlowBatch(request, clock);
  const t0 = clock.now();
  let jobs = decodeAll(batch, codecs.events);
  batch.decodeMs += clock.now() - t0;
  const enriched = flow.enricher === undefined ? undefined : await enrichStep(batch, flow.enricher, jobs);
  if (enriched !== undefined && 'handedBack' in enriched) return enriched.handedBack;
  if (enriched !== undefined) jobs = enriched.jobs;
  if (flow.hooks.preprocess !== undefined) jobs = preprocessJobs(batch, flow.hooks.preprocess, 'preprocess', jobs);
  const events = new Array<HookEvent>(request.rows);
  for (const job of jobs) events[job.row] = job.event;
  const slots = Array.from({ length: request.rows }, () => [] as (Output | undefined)[]);
  const groups = route(batch, flow, jobs, slots);
  const modelRuns: ModelRun[] = [];
  for (const [id, modelJobs] of groups) {
    const run = await scoreModel(batch, flow, flow.models.get(id) as FlowModel, modelJobs, slots);
    if (run !== undefined) modelRuns.push(run);
  }
  const outputs = complete(batch, slots);
  await runChains(batch, flow.models, outputs, events);
  if (enriched !== undefined) flagDefaulted(outputs, enriched.defaulted);
  const t1 = clock.now();
  const encoded = encodeOutputs(batch, flow.plan.name, codecs.writer(request.output), outputs);
  const log = request.featureLog;
  const featureLog = log === undefined ? undefined : logFlowFeatures(batch, flow.plan.name, codecs.featureLog(log.schemaId), outputs);
  const encodeMs = clock.now() - t1;
  const { shadow } = flow.plan;
  const shadowFlow = { name: flow.plan.name, shadow: shadow ?? [], models: flow.models, hooks: flow.hooks };
  const shadowReply = shadow === undefined ? undefined : await scoreShadows(batch, shadowFlow, groups, outputs, events, codecs.writer);
  return {
    kind: 'flow-scored',
    ...encoded,
    failures: batch.failures(),
    modelRuns,
    hookMs: batch.hookMs,
    decodeMs: batch.decodeMs,
    inferMs: batch.inferMs,
    encodeMs,
    ...(shadowReply === undefined ? {} : { shadow: shadowReply }),
    ...(enriched === undefined ? {} : { enrichment: enriched.report, enrichMs: enriched.enrichMs }),
    ...(featureLog === undefined ? {} : { featureLog }),
    ...(batch.drift.length === 0 ? {} : { drift: batch.drift }),
  };
}
