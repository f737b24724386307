/**
 * The start-up check of a model's feature spec against its ONNX graph, so a mismatch stops the service
 * before the first event instead of failing every batch. Every problem is reported in one error.
 */

import { modelId } from '../core/model-id.ts';
import { ScorerError } from '../errors.ts';
import type { GraphInputInfo, GraphOutputInfo, ModelConfig, ModelInputSpec, ModelOutputRef } from '../inference/types.ts';

export interface GraphShape {
  readonly inputs: readonly GraphInputInfo[];
  readonly outputs: readonly string[];
  /** Output types and dims, when known; without them only output names are checked. */
  readonly outputInfo?: readonly GraphOutputInfo[];
}

/** A dimension the graph fixes; symbolic ones are strings or negative. */
function fixedDim(dims: readonly (number | string)[], axis: number): number | undefined {
  const dim = dims[axis];
  return typeof dim === 'number' && dim >= 0 ? dim : undefined;
}

function inputProblems(spec: ModelInputSpec, graph: GraphInputInfo): string[] {
  const problems: string[] = [];
  const where = `input "${spec.name}"`;
  if (graph.type !== spec.dtype) problems.push(`${where} is ${spec.dtype} in the feature spec but ${graph.type} in the graph`);
  if (graph.dims.length !== 2) {
    problems.push(`${where} has rank ${graph.dims.length} in the graph; the feature spec feeds [batch, ${spec.fields.length}]`);
    return problems;
  }
  const batch = fixedDim(graph.dims, 0);
  if (batch !== undefined) problems.push(`${where} fixes the batch dimension to ${batch}; it must be symbolic`);
  const columns = fixedDim(graph.dims, 1);
  if (columns !== undefined && columns !== spec.fields.length) {
    problems.push(`${where} has ${spec.fields.length} fields in the feature spec but the graph expects ${columns} columns`);
  }
  return problems;
}

function inputsProblems(config: ModelConfig, graph: GraphShape): string[] {
  const problems: string[] = [];
  const graphNames = graph.inputs.map((input) => input.name).join(', ');
  for (const spec of config.inputs) {
    const found = graph.inputs.find((input) => input.name === spec.name);
    if (found === undefined) problems.push(`input "${spec.name}" of the feature spec is not a graph input (graph inputs: ${graphNames})`);
    else problems.push(...inputProblems(spec, found));
  }
  for (const input of graph.inputs) {
    if (!config.inputs.some((spec) => spec.name === input.name)) {
      problems.push(`graph input "${input.name}" is not filled by the feature spec`);
    }
  }
  return problems;
}

/** Column checks for an output whose shape is known; mirrors what the worker does per batch. */
function outputShapeProblems(key: string, ref: ModelOutputRef, info: GraphOutputInfo): string[] {
  if (info.type === 'non-tensor') return [`outputs.${key} names "${ref.output}", which is not a tensor (e.g. a ZipMap)`];
  if (key === 'score' && info.type === 'string') return [`outputs.score names "${ref.output}", a string tensor`];
  const columns = info.dims.length === 1 ? 1 : fixedDim(info.dims, 1);
  if (columns === undefined) return [];
  if (ref.index === undefined && columns !== 1) {
    return [`outputs.${key} names "${ref.output}" with ${columns} columns but no index`];
  }
  if (ref.index !== undefined && ref.index >= columns) {
    return [`outputs.${key}.index ${ref.index} is out of range: "${ref.output}" has ${columns} column(s)`];
  }
  return [];
}

function outputsProblems(config: ModelConfig, graph: GraphShape): string[] {
  const problems: string[] = [];
  const refs = Object.entries(config.outputs).filter((entry): entry is [string, ModelOutputRef] => entry[1] !== undefined);
  for (const [key, ref] of refs) {
    if (!graph.outputs.includes(ref.output)) {
      problems.push(`outputs.${key} names "${ref.output}", which the graph lacks (graph outputs: ${graph.outputs.join(', ')})`);
      continue;
    }
    const info = graph.outputInfo?.find((output) => output.name === ref.output);
    if (info !== undefined) problems.push(...outputShapeProblems(key, ref, info));
  }
  return problems;
}

/** Throws SCORER_ERR_FEATURE_SPEC naming the model and every mismatched input or output. */
export function checkFeatureSpec(config: ModelConfig, graph: GraphShape): void {
  const problems = [...inputsProblems(config, graph), ...outputsProblems(config, graph)];
  if (problems.length === 0) return;
  const model = modelId(config.name, config.version);
  throw new ScorerError('SCORER_ERR_FEATURE_SPEC', `model ${model}: the feature spec does not match the graph:\n  ${problems.join('\n  ')}`, {
    details: { model: config.name, version: config.version, problems },
  });
}
