/**
 * Finds the served models on disk: <repository>/<model>/<version>/{model.onnx, config.yaml, hooks.ts},
 * in the spirit of Triton's model repository. Several models and several versions of one model may sit
 * side by side; a reference without a version takes the highest numeric version directory. A model of
 * kind heuristic has no model.onnx: it is the `predict` export of its hooks.ts (issue 10), and any
 * version may bring a hooks.ts.
 */

import { readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { parse } from 'yaml';
import type { ModelRef } from '../config/types.ts';
import { modelId } from '../core/model-id.ts';
import { readFeatureStats } from '../drift/read-stats.ts';
import { ScorerError } from '../errors.ts';
import { loadModelHooks } from '../flows/hook-loader.ts';
import type { ModelConfig, ModelEntry } from '../inference/types.ts';
import type { ModelConfigCheck } from './config-schema.ts';
import { checkModelConfig } from './config-schema.ts';

const VERSION_DIR = /^[1-9][0-9]*$/;

/** A problem that stops one model from loading; all of them are gathered before failing. */
class LoadProblem extends Error {}

async function isFile(file: string): Promise<boolean> {
  return (await stat(file).catch(() => undefined))?.isFile() === true;
}

async function listVersions(modelDir: string): Promise<number[]> {
  const entries = await readdir(modelDir, { withFileTypes: true }).catch((err: NodeJS.ErrnoException) => {
    throw new LoadProblem(`${modelDir}: model directory cannot be read (${err.code ?? err.message})`);
  });
  // A version directory may be a symlink to one (a volume whose versions are swapped through links).
  const isDir = async (entry: (typeof entries)[number]) =>
    entry.isDirectory() || (entry.isSymbolicLink() && (await stat(path.join(modelDir, entry.name)).catch(() => undefined))?.isDirectory() === true);
  const named = entries.filter((entry) => VERSION_DIR.test(entry.name));
  const dirs = await Promise.all(named.map(async (entry) => ((await isDir(entry)) ? [Number(entry.name)] : [])));
  return dirs.flat().filter((version) => Number.isSafeInteger(version));
}

/** The version directories of a model, ascending; none when its directory cannot be read. */
export async function modelVersions(repository: string, name: string): Promise<number[]> {
  return (await listVersions(path.join(repository, name)).catch(() => [])).sort((a, b) => a - b);
}

async function resolveVersion(repository: string, ref: ModelRef): Promise<number> {
  const modelDir = path.join(repository, ref.name);
  const versions = await listVersions(modelDir);
  if (ref.version !== undefined) {
    if (!versions.includes(ref.version)) {
      throw new LoadProblem(`${path.join(modelDir, String(ref.version))}: version directory does not exist`);
    }
    return ref.version;
  }
  if (versions.length === 0) throw new LoadProblem(`${modelDir}: has no numeric version directory`);
  return Math.max(...versions);
}

/** Reads and checks one config.yaml; its problems do not yet name the file. */
async function readConfig(file: string, version: number): Promise<ModelConfigCheck> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    return { ok: false, problems: [`cannot be read (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`] };
  }
  try {
    return checkModelConfig(parse(text), version);
  } catch (err) {
    return { ok: false, problems: [`is not valid YAML (${(err as Error).message})`] };
  }
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null) {
    for (const child of Object.values(value)) deepFreeze(child);
    Object.freeze(value);
  }
  return value;
}

/** A hooks.ts that does not import, or exports a hook that is not a function, or lacks a heuristic model's predict. */
async function hooksProblems(config: ModelConfig, hooksPath: string): Promise<string[]> {
  // The workers load it with the same loader (and would fail their bootstrap); its messages name the file.
  return loadModelHooks(config, hooksPath).then(
    () => [],
    (err: unknown) => [err instanceof Error ? err.message : String(err)],
  );
}

async function loadOne(repository: string, ref: ModelRef): Promise<ModelEntry> {
  const version = await resolveVersion(repository, ref);
  const versionDir = path.resolve(repository, ref.name, String(version));
  const [configFile, onnxPath, hooksPath] = ['config.yaml', 'model.onnx', 'hooks.ts'].map((file) => path.join(versionDir, file)) as [string, string, string];
  const checked = await readConfig(configFile, version);
  // A config that names no valid kind (or does not parse) is taken for onnx, as most models are.
  const heuristic = (checked.ok ? checked.config.kind : checked.kind) === 'heuristic';
  const hasHooks = await isFile(hooksPath);
  const problems: string[] = [];
  if (!heuristic && !(await isFile(onnxPath))) problems.push(`${onnxPath}: file does not exist`);
  if (heuristic && !hasHooks) problems.push(`${hooksPath}: file does not exist (a model of kind heuristic is the predict export of its hooks.ts)`);
  if (!checked.ok) problems.push(...checked.problems.map((p) => `${configFile}: ${p}`));
  else if (checked.config.name !== ref.name) problems.push(`${configFile}: name "${checked.config.name}" must match its directory "${ref.name}"`);
  else if (hasHooks) problems.push(...(await hooksProblems(checked.config, hooksPath)));
  const stats = checked.ok
    ? await readFeatureStats(versionDir, checked.config).catch((error: unknown) => void problems.push(error instanceof Error ? error.message : String(error)))
    : undefined;
  if (problems.length > 0 || !checked.ok) throw new LoadProblem(problems.join('\n'));
  return deepFreeze({
    config: checked.config,
    ...(heuristic ? {} : { onnxPath }),
    ...(hasHooks ? { hooksPath } : {}),
    ...(stats === undefined ? {} : { stats }),
  });
}

/** Checked after version resolution, so `fraud` and `fraud@3` count as one when 3 is the latest. */
function duplicateEntries(entries: readonly ModelEntry[]): string[] {
  const seen = new Set<string>();
  const problems: string[] = [];
  for (const { config } of entries) {
    const key = modelId(config.name, config.version);
    if (seen.has(key)) problems.push(`models.serve names ${key} more than once`);
    seen.add(key);
  }
  return problems;
}

/**
 * Loads and validates every referenced model. Fails with one SCORER_ERR_MODEL_LOAD listing every problem
 * in every file (details.problems), each prefixed with the file it is about.
 */
export async function loadModelRepository(repository: string, refs: readonly ModelRef[]): Promise<ModelEntry[]> {
  const problems: string[] = [];
  const results = await Promise.allSettled(refs.map((ref) => loadOne(repository, ref)));
  const entries: ModelEntry[] = [];
  for (const result of results) {
    if (result.status === 'fulfilled') entries.push(result.value);
    else if (result.reason instanceof LoadProblem) problems.push(...result.reason.message.split('\n'));
    else throw result.reason;
  }
  problems.push(...duplicateEntries(entries));
  if (problems.length > 0) {
    throw new ScorerError('SCORER_ERR_MODEL_LOAD', `model repository ${repository}:\n  ${problems.join('\n  ')}`, {
      details: { repository, problems },
    });
  }
  return entries;
}
