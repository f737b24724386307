/**
 * Checks a parsed config.yaml against the ModelConfig shape. Pure: it returns every violation with its
 * path (e.g. `inputs[0].dtype must be one of float32, int64, string`) instead of stopping at the first,
 * so one start-up attempt shows everything that is wrong with a file.
 */

import type { FeatureFieldSpec, ModelConfig, ModelInputSpec, ModelOutputRef, TensorDType } from '../inference/types.ts';

const DTYPES: readonly TensorDType[] = ['float32', 'int64', 'string'];

type Raw = Record<string, unknown>;

/** Collects violations while the checkers walk the document. */
class Problems {
  readonly list: string[] = [];
  add(path: string, message: string): void {
    this.list.push(`${path} ${message}`);
  }
}

function isObject(value: unknown): value is Raw {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function join(path: string, key: string | number): string {
  if (typeof key === 'number') return `${path}[${key}]`;
  return path === '' ? key : `${path}.${key}`;
}

function checkKeys(obj: Raw, path: string, allowed: readonly string[], problems: Problems): void {
  for (const key of Object.keys(obj)) {
    if (!allowed.includes(key)) {
      problems.add(join(path, key), `is not a known setting (expected one of ${allowed.join(', ')})`);
    }
  }
}

function nonEmptyString(value: unknown, path: string, problems: Problems): string | undefined {
  if (typeof value === 'string' && value.trim() !== '') return value;
  problems.add(path, value === undefined ? 'is required' : 'must be a non-empty string');
  return undefined;
}

function integerAtLeast(value: unknown, min: number, path: string, problems: Problems): number | undefined {
  if (typeof value === 'number' && Number.isSafeInteger(value) && value >= min) return value;
  problems.add(path, `must be an integer >= ${min}`);
  return undefined;
}

/** A default must be usable as-is in its tensor, so its type follows the input's dtype. */
function checkDefault(value: unknown, dtype: TensorDType | undefined, path: string, problems: Problems): void {
  if (dtype === 'string' && typeof value !== 'string') problems.add(path, 'must be a string for a string input');
  if (dtype === 'float32' && !(typeof value === 'number' && Number.isFinite(value))) {
    problems.add(path, 'must be a finite number for a float32 input');
  }
  if (dtype === 'int64' && !(typeof value === 'number' && Number.isSafeInteger(value))) {
    problems.add(path, 'must be an integer for an int64 input');
  }
}

/** A dotted path ("device.os") with no empty segment. */
function fieldPath(value: unknown, path: string, problems: Problems): string {
  const field = nonEmptyString(value, path, problems);
  if (field === undefined) return '';
  if (field.split('.').some((segment) => segment === '')) problems.add(path, `"${field}" has an empty path segment`);
  return field;
}

function checkField(raw: unknown, dtype: TensorDType | undefined, path: string, problems: Problems): FeatureFieldSpec {
  if (typeof raw === 'string') return { field: fieldPath(raw, path, problems) };
  if (!isObject(raw)) {
    problems.add(path, 'must be a field name or a mapping with `field` and optional `default`');
    return { field: '' };
  }
  checkKeys(raw, path, ['field', 'default'], problems);
  const field = fieldPath(raw['field'], join(path, 'field'), problems);
  if (raw['default'] === undefined || raw['default'] === null) return { field };
  checkDefault(raw['default'], dtype, join(path, 'default'), problems);
  return { field, default: raw['default'] as number | string };
}

function checkInput(raw: unknown, path: string, problems: Problems): ModelInputSpec {
  if (!isObject(raw)) {
    problems.add(path, 'must be a mapping with name, dtype and fields');
    return { name: '', dtype: 'float32', fields: [] };
  }
  checkKeys(raw, path, ['name', 'dtype', 'fields'], problems);
  const name = nonEmptyString(raw['name'], join(path, 'name'), problems) ?? '';
  const dtype = DTYPES.find((d) => d === raw['dtype']);
  if (dtype === undefined) problems.add(join(path, 'dtype'), `must be one of ${DTYPES.join(', ')}`);
  const rawFields = raw['fields'];
  if (!Array.isArray(rawFields) || rawFields.length === 0) {
    problems.add(join(path, 'fields'), 'must be a non-empty list');
    return { name, dtype: dtype ?? 'float32', fields: [] };
  }
  const fields = rawFields.map((f, i) => checkField(f, dtype, join(join(path, 'fields'), i), problems));
  return { name, dtype: dtype ?? 'float32', fields };
}

function checkInputs(raw: unknown, problems: Problems): ModelInputSpec[] {
  if (!Array.isArray(raw) || raw.length === 0) {
    problems.add('inputs', 'must be a non-empty list');
    return [];
  }
  const inputs = raw.map((input, i) => checkInput(input, join('inputs', i), problems));
  const seen = new Set<string>();
  inputs.forEach((input, i) => {
    if (input.name !== '' && seen.has(input.name)) problems.add(join(join('inputs', i), 'name'), `repeats "${input.name}"`);
    seen.add(input.name);
  });
  return inputs;
}

function checkOutputRef(raw: unknown, path: string, problems: Problems): ModelOutputRef {
  if (!isObject(raw)) {
    problems.add(path, raw === undefined ? 'is required' : 'must be a mapping with `output` and optional `index`');
    return { output: '' };
  }
  checkKeys(raw, path, ['output', 'index'], problems);
  const output = nonEmptyString(raw['output'], join(path, 'output'), problems) ?? '';
  if (raw['index'] === undefined) return { output };
  const index = integerAtLeast(raw['index'], 0, join(path, 'index'), problems);
  return index === undefined ? { output } : { output, index };
}

function checkOutputs(raw: unknown, problems: Problems): ModelConfig['outputs'] {
  if (!isObject(raw)) {
    problems.add('outputs', 'must be a mapping with `score` and optional `label`');
    return { score: { output: '' } };
  }
  checkKeys(raw, 'outputs', ['score', 'label'], problems);
  const score = checkOutputRef(raw['score'], 'outputs.score', problems);
  if (raw['label'] === undefined) return { score };
  return { score, label: checkOutputRef(raw['label'], 'outputs.label', problems) };
}

function checkBatching(raw: unknown, problems: Problems): ModelConfig['batching'] {
  if (!isObject(raw)) {
    problems.add('batching', 'must be a mapping');
    return undefined;
  }
  checkKeys(raw, 'batching', ['maxBatchSize', 'maxDelayMs', 'targetBatchMs'], problems);
  const batching: { maxBatchSize?: number; maxDelayMs?: number; targetBatchMs?: number } = {};
  if (raw['maxBatchSize'] !== undefined) {
    const size = integerAtLeast(raw['maxBatchSize'], 1, 'batching.maxBatchSize', problems);
    if (size !== undefined) batching.maxBatchSize = size;
  }
  if (raw['maxDelayMs'] !== undefined) {
    const delay = raw['maxDelayMs'];
    if (typeof delay === 'number' && Number.isFinite(delay) && delay >= 0) batching.maxDelayMs = delay;
    else problems.add('batching.maxDelayMs', 'must be a number >= 0');
  }
  if (raw['targetBatchMs'] !== undefined) {
    const target = raw['targetBatchMs'];
    if (typeof target === 'number' && Number.isFinite(target) && target > 0) batching.targetBatchMs = target;
    else problems.add('batching.targetBatchMs', 'must be a number > 0');
  }
  return batching;
}

const TOP_LEVEL_KEYS = ['name', 'kind', 'description', 'inputs', 'outputs', 'missingRequired', 'batching'];

const KINDS = ['onnx', 'heuristic'] as const;

/**
 * What a heuristic model with no feature spec carries: its score comes from its hooks' `predict`, so it
 * feeds no tensor and reads no graph output; the output is named after the hook for logs.
 */
const HEURISTIC_SPEC: Pick<ModelConfig, 'inputs' | 'outputs'> = { inputs: [], outputs: { score: { output: 'predict' } } };

function checkKind(raw: unknown, problems: Problems): ModelConfig['kind'] {
  if (raw === undefined) return undefined;
  const kind = KINDS.find((k) => k === raw);
  if (kind === undefined) problems.add('kind', `must be one of ${KINDS.join(', ')}`);
  return kind;
}

/** A failed check still says the kind when the file names a valid one, so the loader knows which artefacts to look for. */
export type ModelConfigCheck = { ok: true; config: ModelConfig } | { ok: false; problems: string[]; kind?: ModelConfig['kind'] };

/**
 * Validates one parsed config.yaml. `version` is not part of the file: it comes from the directory.
 * `missingRequired` may be omitted and defaults to 'dlq', the only rule that exists. `kind` may be
 * omitted (onnx); a heuristic model may omit `inputs` and `outputs`.
 */
export function checkModelConfig(raw: unknown, version: number): ModelConfigCheck {
  const problems = new Problems();
  if (!isObject(raw)) return { ok: false, problems: ['(document) must be a mapping'] };
  checkKeys(raw, '', TOP_LEVEL_KEYS, problems);
  const name = nonEmptyString(raw['name'], 'name', problems) ?? '';
  const kind = checkKind(raw['kind'], problems);
  const description = raw['description'];
  if (description !== undefined && typeof description !== 'string') problems.add('description', 'must be a string');
  // A heuristic model may keep a feature spec (say, the one its trained successor will use): checked, unused.
  const heuristic = kind === 'heuristic';
  const inputs = heuristic && raw['inputs'] === undefined ? HEURISTIC_SPEC.inputs : checkInputs(raw['inputs'], problems);
  const outputs = heuristic && raw['outputs'] === undefined ? HEURISTIC_SPEC.outputs : checkOutputs(raw['outputs'], problems);
  const missing = raw['missingRequired'];
  if (missing !== undefined && missing !== 'dlq') problems.add('missingRequired', 'must be dlq');
  const batching = raw['batching'] === undefined ? undefined : checkBatching(raw['batching'], problems);
  if (problems.list.length > 0) return { ok: false, problems: problems.list, ...(kind === undefined ? {} : { kind }) };
  const config: ModelConfig = {
    name,
    version,
    ...(kind === undefined ? {} : { kind }),
    ...(typeof description === 'string' ? { description } : {}),
    inputs,
    outputs,
    missingRequired: 'dlq',
    ...(batching === undefined ? {} : { batching }),
  };
  return { ok: true, config };
}
