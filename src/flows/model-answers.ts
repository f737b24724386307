/**
 * One model's answers for the jobs routed (or chained) to it in a batch: the model's own preprocess,
 * then its graph in one run over the jobs' feature columns (bisected on a failure, as the plain path
 * does: score-records.ts) or its heuristic `predict` in one call, then its own postprocess. A row that
 * fails here (a feature that does not fit the spec, a hook that throws or skips) is failed on the
 * batch; a row the model itself could not score comes back as a model error, for the caller to answer
 * with the flow's fallback or to fail.
 */

import type { FeatureRef } from '../codecs/feature-log-writer.ts';
import { modelId } from '../core/model-id.ts';
import { type DlqReason, RecordError } from '../errors.ts';
import type { RowFailure } from '../inference/protocol.ts';
import { type Scored, scoreRows } from '../inference/score-records.ts';
import type { FlowBatch, Job } from './flow-batch.ts';
import type { FlowModel, GraphModel, HeuristicModel } from './flow-model.ts';
import type { HookPrediction } from './hook-api.ts';
import { messageOf, postprocessJobs, preprocessJobs } from './hook-calls.ts';
import type { FallbackReason } from './plan.ts';

export type ModelAnswer =
  /** `features`: the row of the feature columns the graph was fed (a heuristic has none). */
  | { readonly kind: 'scored'; readonly prediction: HookPrediction; readonly features?: FeatureRef }
  /** `reason`: what the row fails with when the flow has no fallback; `why`: what a fallback says. */
  | { readonly kind: 'model-error'; readonly reason: DlqReason; readonly message: string; readonly why: FallbackReason };

type Answers<J> = Map<J, ModelAnswer>;

const scored = (score: number, label: string | null): ModelAnswer => ({ kind: 'scored', prediction: { score, label, attributes: {} } });

/** Settles with 'deadline' after `ms` (unless cancelled), so a model run can be raced against it. */
function deadline(ms: number): { readonly passed: Promise<'deadline'>; cancel(): void } {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const passed = new Promise<'deadline'>((resolve) => {
    timer = setTimeout(() => resolve('deadline'), ms);
  });
  return { passed, cancel: () => clearTimeout(timer) };
}

const missed = (ms: number): ModelAnswer => ({
  kind: 'model-error',
  reason: 'INFERENCE_FAILED',
  message: `model-error: the model missed its ${ms} ms deadline for the batch`,
  why: 'deadline',
});

async function runGraph<J extends Job>(
  batch: FlowBatch,
  model: GraphModel,
  jobs: readonly J[],
  answers: Answers<J>,
  deadlineMs: number | undefined,
): Promise<void> {
  const start = batch.now();
  const columns = model.mapper.columns(jobs.length);
  /** good[k]: the job column row k holds. */
  const good: number[] = [];
  jobs.forEach((job, k) => {
    try {
      columns.append(job.event);
      good.push(k);
    } catch (error) {
      if (!(error instanceof RecordError)) throw error;
      batch.fail(job.row, error.reason, error.message);
    }
  });
  const extracted = batch.now();
  batch.decodeMs += extracted - start;
  if (columns.rows === 0) return;
  const out = new Array<Scored | undefined>(jobs.length);
  const failures: RowFailure[] = [];
  const running = scoreRows(model, { columns, good, start: 0, end: columns.rows }, out, failures);
  // The run goes on in onnxruntime's thread when the deadline passes; its answers are not waited for.
  const timer = deadlineMs === undefined ? undefined : deadline(deadlineMs);
  const outcome = timer === undefined ? await running : await Promise.race([running, timer.passed]);
  timer?.cancel();
  batch.inferMs += batch.now() - extracted;
  if (outcome === 'deadline' && deadlineMs !== undefined) {
    for (const k of good) answers.set(jobs[k]!, missed(deadlineMs));
    return;
  }
  const { fields } = model.mapper;
  good.forEach((k, row) => {
    const s = out[k];
    if (s !== undefined)
      answers.set(jobs[k]!, { kind: 'scored', prediction: { score: s.score, label: s.label ?? null, attributes: {} }, features: { columns, fields, row } });
  });
  if (model.bins !== undefined) batch.drift.push({ model: modelId(model.config.name, model.config.version), ...model.bins.count(columns) });
  // scoreRows names failures by the `good` entry, here a job index.
  for (const f of failures) answers.set(jobs[f.row]!, { kind: 'model-error', reason: f.reason, message: f.message, why: 'model-error' });
}

function runHeuristic<J extends Job>(batch: FlowBatch, model: HeuristicModel, jobs: readonly J[], answers: Answers<J>, deadlineMs: number | undefined): void {
  const name = `predict:${modelId(model.config.name, model.config.version)}`;
  const where = `hook ${name} (${model.predict.where})`;
  const started = batch.now();
  let result: unknown;
  try {
    result = batch.time(name, () =>
      model.predict.fn(
        jobs.map((j) => j.event),
        jobs.map((j) => batch.contexts[j.row]!),
      ),
    );
  } catch (error) {
    for (const job of jobs)
      answers.set(job, { kind: 'model-error', reason: 'HOOK_FAILED', message: `model-error: ${where} threw: ${messageOf(error)}`, why: 'model-error' });
    return;
  }
  // A hook runs on this thread and cannot be cut short: past its deadline, its answers are not used.
  if (deadlineMs !== undefined && batch.now() - started > deadlineMs) {
    for (const job of jobs) answers.set(job, missed(deadlineMs));
    return;
  }
  const entries: readonly unknown[] = Array.isArray(result) && result.length === jobs.length ? result : [];
  jobs.forEach((job, k) => {
    const entry = entries[k] as { score?: unknown; label?: unknown } | undefined;
    const label = entry?.label ?? null;
    if (typeof entry?.score === 'number' && (label === null || typeof label === 'string')) answers.set(job, scored(entry.score, label));
    else
      answers.set(job, {
        kind: 'model-error',
        reason: 'HOOK_FAILED',
        message: `model-error: ${where} gave no { score, label? } for event ${k}`,
        why: 'model-error',
      });
  });
}

/** The answers for `jobs`, aligned with them: undefined where the row failed (on the batch). */
export async function modelAnswers<J extends Job>(
  batch: FlowBatch,
  model: FlowModel,
  jobs: readonly J[],
  deadlineMs?: number,
): Promise<(ModelAnswer | undefined)[]> {
  const id = modelId(model.config.name, model.config.version);
  const { preprocess, postprocess } = model.hooks;
  const live = preprocess === undefined ? batch.live(jobs) : preprocessJobs(batch, preprocess, `model-preprocess:${id}`, jobs);
  const answers: Answers<J> = new Map();
  if (live.length > 0) {
    if (model.kind === 'onnx') await runGraph(batch, model, live, answers, deadlineMs);
    else runHeuristic(batch, model, live, answers, deadlineMs);
  }
  if (postprocess !== undefined) {
    const toPostprocess = live.flatMap((job) => {
      const answer = answers.get(job);
      return answer?.kind === 'scored' ? [{ job, prediction: answer.prediction }] : [];
    });
    postprocessJobs(batch, postprocess, `model-postprocess:${id}`, id, toPostprocess);
  }
  return jobs.map((job) => (batch.failed(job.row) ? undefined : answers.get(job)));
}
