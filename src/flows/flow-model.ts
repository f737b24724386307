/**
 * What the flow executor is handed: the served models, each with its hooks, and a flow's own hooks,
 * already loaded (hook-loader.ts). Types only, so the executor is tested with doubles and never needs
 * onnxruntime-node.
 */
import type { RecordsModel } from '../inference/score-records.ts';
import type { ModelConfig } from '../inference/types.ts';
import type { HeuristicHook, PostprocessHook, PreprocessHook } from './hook-api.ts';

/** A loaded hook function and where it came from ("<file>#<export>"), for failure messages. */
export interface Hook<F> {
  readonly fn: F;
  readonly where: string;
}

/** A model's own hooks, from its hooks.ts: they run on that model's rows only. */
export interface ModelHooks {
  readonly preprocess?: Hook<PreprocessHook>;
  readonly postprocess?: Hook<PostprocessHook>;
}

export interface FlowHooks {
  readonly preprocess?: Hook<PreprocessHook>;
  readonly postprocess?: Hook<PostprocessHook>;
}

/** A model scored by its ONNX graph through the feature spec, as the plain path scores it. */
export interface GraphModel extends RecordsModel {
  readonly kind: 'onnx';
  readonly hooks: ModelHooks;
}

/** A model that is only code: its hooks.ts `predict` gives the scores. */
export interface HeuristicModel {
  readonly kind: 'heuristic';
  readonly config: ModelConfig;
  readonly predict: Hook<HeuristicHook>;
  readonly hooks: ModelHooks;
}

export type FlowModel = GraphModel | HeuristicModel;
