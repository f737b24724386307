/**
 * Chaining: a postprocess hook sets `prediction.chain` to a served model ("name" or "name:version") to
 * score that event with it too, e.g. the heavy fraud model only above a threshold (issue 10, part 3).
 * The batch's chained events are grouped per chained model and each group is scored in one call, like
 * any model's rows, with that model's own hooks; its result goes into the asking prediction's `chained`.
 *
 * One level deep: a chained model's postprocess may set `chain` too, and it is ignored, so a flow cannot
 * loop. The flow's postprocess does not see chained results; the chained model's attributes are not
 * carried (ChainedValue has none). A chained model that cannot score the event fails the row, even when
 * the flow has a fallback: the fallback stands for the flow's answer, not for a second opinion, and a
 * record that claims a chained result it does not have would mislead.
 */
import { modelId } from '../core/model-id.ts';
import type { FlowBatch, Job } from './flow-batch.ts';
import type { FlowModel } from './flow-model.ts';
import type { Output } from './flow-output.ts';
import type { HookEvent } from './hook-api.ts';
import { predictionProblem } from './hook-calls.ts';
import { modelAnswers } from './model-answers.ts';

/** The served model `name` names: "name:version" exactly, or "name" alone: its highest served version. */
export function chainedModel(name: string, models: ReadonlyMap<string, FlowModel>): FlowModel | undefined {
  const exact = models.get(name);
  if (exact !== undefined) return exact;
  let best: FlowModel | undefined;
  for (const model of models.values()) {
    if (model.config.name === name && (best === undefined || model.config.version > best.config.version)) best = model;
  }
  return best;
}

interface ChainJob extends Job {
  readonly output: Output;
}

/** Groups the chained events by model; a name no served model answers to fails its row. */
function chainJobs(batch: FlowBatch, models: ReadonlyMap<string, FlowModel>, outputs: readonly (readonly Output[])[], events: readonly HookEvent[]) {
  const groups = new Map<FlowModel, ChainJob[]>();
  outputs.forEach((rowOutputs, row) => {
    for (const output of rowOutputs) {
      const { chain } = output.prediction;
      if (chain === undefined || batch.failed(row)) continue;
      const model = chainedModel(chain, models);
      if (model === undefined) {
        batch.fail(
          row,
          'HOOK_FAILED',
          `a postprocess hook of ${modelId(output.config.name, output.config.version)} chained model "${chain}", which is not served`,
        );
        continue;
      }
      const group = groups.get(model) ?? [];
      // The flow's event, not the asking model's: the chained model's own preprocess applies.
      group.push({ row, event: events[row]!, output });
      groups.set(model, group);
    }
  });
  return groups;
}

/**
 * Scores every chain the predictions in `outputs` ask for and appends the results to their `chained`.
 * `events[i]`: row i's event as the flow's preprocess left it.
 */
export async function runChains(
  batch: FlowBatch,
  models: ReadonlyMap<string, FlowModel>,
  outputs: readonly (readonly Output[])[],
  events: readonly HookEvent[],
): Promise<void> {
  for (const [model, jobs] of chainJobs(batch, models, outputs, events)) {
    const id = modelId(model.config.name, model.config.version);
    const answers = await modelAnswers(batch, model, jobs);
    jobs.forEach((job, k) => {
      const answer = answers[k];
      if (answer === undefined) return;
      if (answer.kind === 'model-error') {
        batch.fail(job.row, answer.reason, `chained model ${id}: ${answer.message}`);
        return;
      }
      const problem = predictionProblem(answer.prediction);
      if (problem !== undefined) {
        batch.fail(job.row, 'HOOK_FAILED', `chained model ${id}: after its postprocess the ${problem}`);
        return;
      }
      const { score, label } = answer.prediction;
      job.output.chained.push({ model_name: model.config.name, model_version: model.config.version, score, label });
    });
  }
}
