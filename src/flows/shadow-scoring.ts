/**
 * Shadow scoring in the worker (issue 10, part 6). Once the primary path has answered and encoded a
 * batch, each shadow candidate scores the rows routed to the model it shadows, on the events already
 * decoded and preprocessed (no second decode), with its own model hooks and then the flow's
 * postprocess, as it would answer if it were served. Its bookkeeping is a sibling FlowBatch, so a
 * candidate or a hook that fails on a row costs only that row's shadow record (counted as an error),
 * never the primary row. No fallback and no chaining: a shadow record says what the candidate itself
 * answers. A row the primary path failed gets no shadow record, since nothing would commit it.
 *
 * Records are stamped experiment "shadow:<flow>", variant "shadow" and attribute shadow_of (the primary
 * model), on the unchanged prediction schema: a consumer of a shadow topic cannot take one for a served
 * prediction, and joins it with its primary by source offset. Each record also carries, for the main
 * thread's divergence metrics, how far its score and label are from the primary's.
 */
import type { OutputSpec, PredictionWriter } from '../codecs/prediction-encoder.ts';
import type { ShadowReply, ShadowScored } from '../inference/protocol.ts';
import type { FlowBatch, Job } from './flow-batch.ts';
import type { FlowHooks, FlowModel } from './flow-model.ts';
import { encodeOutputs, type Output } from './flow-output.ts';
import type { HookEvent } from './hook-api.ts';
import { postprocessJobs, predictionProblem, type ScoredJob } from './hook-calls.ts';
import { modelAnswers } from './model-answers.ts';
import type { ShadowPlan } from './plan.ts';

/** Where a routed model's answer for a row sits: outputs[row][slot]. */
export interface RoutedJob {
  readonly row: number;
  readonly slot: number;
}

export interface ShadowFlow {
  readonly name: string;
  readonly shadow: readonly ShadowPlan[];
  readonly models: ReadonlyMap<string, FlowModel>;
  readonly hooks: FlowHooks;
}

interface ShadowJob extends Job {
  readonly primary: Output;
}

const NOT_COMPARED = -1;

/** `shadow` scores `jobs` (rows not failed on the primary path); one record at most per row. */
async function scoreOne(shadow: FlowBatch, flow: ShadowFlow, plan: ShadowPlan, jobs: readonly ShadowJob[], writer: PredictionWriter): Promise<ShadowScored> {
  const model = flow.models.get(plan.candidate) as FlowModel;
  const answers = await modelAnswers(shadow, model, jobs);
  const scored: ScoredJob<ShadowJob>[] = [];
  jobs.forEach((job, k) => {
    const answer = answers[k];
    if (answer?.kind === 'scored') scored.push({ job, prediction: answer.prediction });
  });
  const { postprocess } = flow.hooks;
  const kept = postprocess === undefined ? scored : postprocessJobs(shadow, postprocess, 'postprocess', plan.candidate, scored);
  const outputs: Output[][] = Array.from({ length: shadow.request.rows }, () => []);
  const scoring = { model: plan.candidate, experiment: `shadow:${flow.name}`, variant: 'shadow' };
  for (const { job, prediction } of kept) {
    if (predictionProblem(prediction) !== undefined) continue;
    prediction.attributes['shadow_of'] = plan.of;
    outputs[job.row] = [{ config: model.config, scoring, prediction, fallback: null, chained: [] }];
  }
  const { encoded, recordEnds, rowRecords } = encodeOutputs(shadow, flow.name, writer, outputs);
  const scoreDiff = new Float64Array(recordEnds.length);
  const labelAgreement = new Int8Array(recordEnds.length);
  let r = 0;
  for (const job of jobs) {
    const mine = outputs[job.row]?.[0];
    if (mine === undefined || shadow.failed(job.row)) continue;
    const { primary } = job;
    const compared = primary.fallback === null;
    const { label } = primary.prediction;
    scoreDiff[r] = compared ? Math.abs(primary.prediction.score - mine.prediction.score) : Number.NaN;
    labelAgreement[r++] = !compared || (label === null && mine.prediction.label === null) ? NOT_COMPARED : Number(label === mine.prediction.label);
  }
  return { encoded, recordEnds, rowRecords, scoreDiff, labelAgreement, errors: jobs.length - recordEnds.length };
}

/**
 * Every shadow candidate's records for the batch, or, when the request sheds shadow work, how many rows
 * it would have scored. `routed`: each routed model's jobs; `outputs[i]`: row i's primary answers;
 * `events[i]`: row i's event as the flow's preprocess left it.
 */
export async function scoreShadows(
  batch: FlowBatch,
  flow: ShadowFlow,
  routed: ReadonlyMap<string, readonly RoutedJob[]>,
  outputs: readonly (readonly Output[])[],
  events: readonly HookEvent[],
  writerFor: (output: OutputSpec) => PredictionWriter,
): Promise<ShadowReply> {
  const start = batch.now();
  const live = flow.shadow.map((plan) => {
    // A row routed to `of` twice (fan-out naming it twice) is shadowed once.
    const rows = new Set<number>();
    return (routed.get(plan.of) ?? []).filter((job) => !batch.failed(job.row) && rows.size < rows.add(job.row).size);
  });
  if (batch.request.shedShadow === true) return { shed: live.reduce((sum, jobs) => sum + jobs.length, 0), ms: 0, candidates: [] };
  const candidates: ShadowScored[] = [];
  for (const [i, plan] of flow.shadow.entries()) {
    const shadow = batch.sibling();
    const jobs = (live[i] ?? []).map(({ row, slot }) => ({ row, event: events[row] as HookEvent, primary: outputs[row]?.[slot] as Output }));
    const writer = writerFor(batch.request.shadowOutputs?.[i] ?? batch.request.output);
    candidates.push(await scoreOne(shadow, flow, plan, jobs, writer));
    for (const [hook, ms] of Object.entries(shadow.hookMs)) batch.hookMs[`shadow:${hook}`] = (batch.hookMs[`shadow:${hook}`] ?? 0) + ms;
  }
  return { shed: 0, ms: batch.now() - start, candidates };
}
