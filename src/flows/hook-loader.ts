/**
 * Loads the TypeScript hooks flows and models name, once, when an inference worker starts: a missing
 * file, a module that throws on import, or an export that is absent or not a function fails the worker's
 * bootstrap with a message naming the file and the export, so a broken hook stops the start-up rather
 * than every batch that would call it. Node runs .ts modules itself (type stripping), so a hook file
 * is imported as it is. The main thread's start-up checks (check-hooks.ts, the model repository) load
 * them with it too, so both sides agree on what a good hook is.
 */
import { pathToFileURL } from 'node:url';
import { modelId } from '../core/model-id.ts';
import type { ModelConfig } from '../inference/types.ts';
import type { FlowHooks, Hook, ModelHooks } from './flow-model.ts';
import type { HeuristicHook, PostprocessHook, PreprocessHook } from './hook-api.ts';
import type { FlowPlan, HookRef } from './plan.ts';

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

async function importModule(file: string): Promise<Record<string, unknown>> {
  try {
    return (await import(pathToFileURL(file).href)) as Record<string, unknown>;
  } catch (error) {
    throw new Error(`hook module ${file} failed to load: ${messageOf(error)}`, { cause: error });
  }
}

function exportOf<F>(module: Record<string, unknown>, file: string, name: string): Hook<F> {
  const fn = module[name];
  const where = `${file}#${name}`;
  if (fn === undefined) throw new Error(`hook ${where}: the module has no export "${name}"`);
  if (typeof fn !== 'function') throw new Error(`hook ${where}: export "${name}" is a ${typeof fn}, not a function`);
  return { fn: fn as F, where };
}

/** Throws when the file does not load or the export is absent or not a function. */
export async function loadHook<F>(ref: HookRef): Promise<Hook<F>> {
  return exportOf<F>(await importModule(ref.file), ref.file, ref.export);
}

export async function loadFlowHooks(plan: FlowPlan): Promise<FlowHooks> {
  return {
    ...(plan.preprocess === undefined ? {} : { preprocess: await loadHook<PreprocessHook>(plan.preprocess) }),
    ...(plan.postprocess === undefined ? {} : { postprocess: await loadHook<PostprocessHook>(plan.postprocess) }),
  };
}

export interface LoadedModelHooks extends ModelHooks {
  /** Present for a heuristic model (required), absent otherwise: an ONNX model's graph predicts. */
  readonly predict?: Hook<HeuristicHook>;
}

/**
 * A model's hooks.ts: `preprocess` and `postprocess` when it exports them, and `predict`, which a
 * heuristic model must export (an ONNX model's `predict`, if any, is not used). Throws, naming the file,
 * for a heuristic model without hooks.ts or without `predict`, or an export that is not a function.
 */
export async function loadModelHooks(config: ModelConfig, hooksPath: string | undefined): Promise<LoadedModelHooks> {
  const heuristic = config.kind === 'heuristic';
  if (hooksPath === undefined) {
    if (heuristic) throw new Error(`model ${modelId(config.name, config.version)} is heuristic but has no hooks.ts to export its predict`);
    return {};
  }
  const module = await importModule(hooksPath);
  const optional = <F>(name: string) => (module[name] === undefined ? undefined : exportOf<F>(module, hooksPath, name));
  const preprocess = optional<PreprocessHook>('preprocess');
  const postprocess = optional<PostprocessHook>('postprocess');
  const predict = heuristic ? exportOf<HeuristicHook>(module, hooksPath, 'predict') : undefined;
  return { ...(preprocess && { preprocess }), ...(postprocess && { postprocess }), ...(predict && { predict }) };
}
