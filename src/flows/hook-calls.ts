/**
 * Calls a batch's hooks and applies what they answer. A hook is called once for the jobs it is given;
 * if it throws (or answers something that is not what its type promises), every row of that call fails
 * as HOOK_FAILED with a message naming the hook and the error, and the other rows of the batch go on.
 */
import type { FlowBatch, Job } from './flow-batch.ts';
import type { Hook } from './flow-model.ts';
import type { HookEvent, HookPrediction, PostprocessHook, PreprocessHook, Skip } from './hook-api.ts';

export function messageOf(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}

function describe(value: unknown): string {
  if (Array.isArray(value)) return `an array of ${value.length}`;
  return value === null ? 'null' : `a ${typeof value}`;
}

function isSkip(entry: object): entry is Skip {
  return typeof (entry as Partial<Skip>).skip === 'string';
}

function failAll(batch: FlowBatch, jobs: readonly Job[], message: string): void {
  for (const job of jobs) batch.fail(job.row, 'HOOK_FAILED', message);
}

/**
 * Runs a preprocess hook (`name`: the flow's "preprocess" or "model-preprocess:<id>") on the live jobs:
 * each gets the event the hook answers, or fails as SKIPPED with the hook's reason. Returns the jobs
 * that go on.
 */
export function preprocessJobs<J extends Job>(batch: FlowBatch, hook: Hook<PreprocessHook>, name: string, jobs: readonly J[]): J[] {
  const live = batch.live(jobs);
  if (live.length === 0) return live;
  let answer: unknown;
  try {
    answer = batch.time(name, () =>
      hook.fn(
        live.map((j) => j.event),
        live.map((j) => batch.contexts[j.row]!),
      ),
    );
  } catch (error) {
    failAll(batch, live, `hook ${name} (${hook.where}) threw: ${messageOf(error)}`);
    return [];
  }
  if (!Array.isArray(answer) || answer.length !== live.length) {
    failAll(batch, live, `hook ${name} (${hook.where}) returned ${describe(answer)} for ${live.length} events: it must return one entry per event`);
    return [];
  }
  const kept: J[] = [];
  live.forEach((job, k) => {
    const entry: unknown = answer[k];
    if (typeof entry !== 'object' || entry === null || Array.isArray(entry)) {
      batch.fail(job.row, 'HOOK_FAILED', `hook ${name} (${hook.where}) returned ${describe(entry)} for event ${k}, not an event or a skip`);
    } else if (isSkip(entry)) {
      batch.fail(job.row, 'SKIPPED', `${name}: ${entry.skip}`);
    } else {
      job.event = entry as HookEvent;
      kept.push(job);
    }
  });
  return kept;
}

/** A job's model answer, as postprocess hooks see and change it. */
export interface ScoredJob<J extends Job = Job> {
  readonly job: J;
  readonly prediction: HookPrediction;
}

/**
 * Runs a postprocess hook (`name`: "postprocess" or "model-postprocess:<id>") on the live scored jobs of
 * model `model`; the hook changes the predictions in place. Returns the jobs that go on.
 */
export function postprocessJobs<J extends Job>(
  batch: FlowBatch,
  hook: Hook<PostprocessHook>,
  name: string,
  model: string,
  scored: readonly ScoredJob<J>[],
): ScoredJob<J>[] {
  const live = scored.filter((s) => !batch.failed(s.job.row));
  if (live.length === 0) return live;
  const items = live.map(({ job, prediction }) => ({ event: job.event, context: batch.contexts[job.row]!, model, prediction }));
  try {
    batch.time(name, () => hook.fn(items));
  } catch (error) {
    failAll(
      batch,
      live.map((s) => s.job),
      `hook ${name} (${hook.where}) threw: ${messageOf(error)}`,
    );
    return [];
  }
  return live;
}

/**
 * What is wrong with a prediction a hook may have changed, or undefined: the encoder would refuse a
 * score that is not a number or a label that is not a string, and the record is the hook's fault.
 */
export function predictionProblem(prediction: HookPrediction): string | undefined {
  const { score, label, attributes, chain } = prediction as Partial<Record<keyof HookPrediction, unknown>>;
  if (typeof score !== 'number') return `score is ${describe(score)}, not a number`;
  if (label !== null && typeof label !== 'string') return `label is ${describe(label)}, not a string or null`;
  if (typeof attributes !== 'object' || attributes === null || Array.isArray(attributes)) return `attributes is ${describe(attributes)}, not an object`;
  if (chain !== undefined && typeof chain !== 'string') return `chain is ${describe(chain)}, not a model name`;
  return undefined;
}
