import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { isScorerError } from '../../../src/errors.ts';
import type { ModelConfig } from '../../../src/inference/types.ts';
import type { GraphShape } from '../../../src/models/spec-check.ts';
import { checkFeatureSpec } from '../../../src/models/spec-check.ts';

const CONFIG: ModelConfig = {
  name: 'fraud',
  version: 3,
  inputs: [
    { name: 'numeric', dtype: 'float32', fields: [{ field: 'a' }, { field: 'b' }] },
    { name: 'country', dtype: 'string', fields: [{ field: 'country' }] },
  ],
  outputs: { score: { output: 'probabilities', index: 1 }, label: { output: 'label' } },
  missingRequired: 'dlq',
};

const GRAPH: GraphShape = {
  inputs: [
    { name: 'numeric', type: 'float32', dims: ['batch', 2] },
    { name: 'country', type: 'string', dims: [-1, 1] },
  ],
  outputs: ['label', 'probabilities'],
  outputInfo: [
    { name: 'label', type: 'int64', dims: ['batch'] },
    { name: 'probabilities', type: 'float32', dims: ['batch', 2] },
  ],
};

function problems(config: ModelConfig, graph: GraphShape): string[] {
  try {
    checkFeatureSpec(config, graph);
  } catch (err) {
    assert.ok(isScorerError(err, 'SCORER_ERR_FEATURE_SPEC'));
    assert.match(err.message, /model fraud:3/);
    assert.equal(err.details['model'], 'fraud');
    return err.details['problems'] as string[];
  }
  return [];
}

function withInputs(inputs: GraphShape['inputs']): GraphShape {
  return { ...GRAPH, inputs };
}

describe('checkFeatureSpec', () => {
  test('accepts a matching spec, with symbolic or -1 batch dimensions', () => {
    assert.deepEqual(problems(CONFIG, GRAPH), []);
  });

  test('reports a spec input the graph lacks and a graph input the spec does not fill', () => {
    const graph = withInputs([GRAPH.inputs[0]!, { name: 'region', type: 'string', dims: ['batch', 1] }]);
    assert.deepEqual(problems(CONFIG, graph), [
      'input "country" of the feature spec is not a graph input (graph inputs: numeric, region)',
      'graph input "region" is not filled by the feature spec',
    ]);
  });

  test('reports a dtype mismatch', () => {
    const graph = withInputs([{ name: 'numeric', type: 'int64', dims: ['batch', 2] }, GRAPH.inputs[1]!]);
    assert.deepEqual(problems(CONFIG, graph), ['input "numeric" is float32 in the feature spec but int64 in the graph']);
  });

  test('reports a column count that differs from a fixed dims[1], a fixed batch and a wrong rank', () => {
    const graph = withInputs([
      { name: 'numeric', type: 'float32', dims: [1, 3] },
      { name: 'country', type: 'string', dims: ['batch'] },
    ]);
    assert.deepEqual(problems(CONFIG, graph), [
      'input "numeric" fixes the batch dimension to 1; it must be symbolic',
      'input "numeric" has 2 fields in the feature spec but the graph expects 3 columns',
      'input "country" has rank 1 in the graph; the feature spec feeds [batch, 1]',
    ]);
  });

  test('accepts a symbolic column dimension', () => {
    assert.deepEqual(problems(CONFIG, withInputs([{ name: 'numeric', type: 'float32', dims: ['batch', 'n'] }, GRAPH.inputs[1]!])), []);
  });

  test('reports named outputs the graph lacks', () => {
    const graph: GraphShape = { inputs: GRAPH.inputs, outputs: ['output_label'] };
    assert.deepEqual(problems(CONFIG, graph), [
      'outputs.score names "probabilities", which the graph lacks (graph outputs: output_label)',
      'outputs.label names "label", which the graph lacks (graph outputs: output_label)',
    ]);
  });

  test('reports a score index out of range, a missing index, and non-tensor or string scores', () => {
    const outOfRange: ModelConfig = { ...CONFIG, outputs: { score: { output: 'probabilities', index: 2 }, label: { output: 'label', index: 1 } } };
    assert.deepEqual(problems(outOfRange, GRAPH), [
      'outputs.score.index 2 is out of range: "probabilities" has 2 column(s)',
      'outputs.label.index 1 is out of range: "label" has 1 column(s)',
    ]);
    const noIndex: ModelConfig = { ...CONFIG, outputs: { score: { output: 'probabilities' } } };
    assert.deepEqual(problems(noIndex, GRAPH), ['outputs.score names "probabilities" with 2 columns but no index']);
    const odd: GraphShape = {
      ...GRAPH,
      outputInfo: [
        { name: 'label', type: 'string', dims: ['batch'] },
        { name: 'probabilities', type: 'non-tensor', dims: [] },
      ],
    };
    assert.deepEqual(problems(CONFIG, odd), ['outputs.score names "probabilities", which is not a tensor (e.g. a ZipMap)']);
    const stringScore: ModelConfig = { ...CONFIG, outputs: { score: { output: 'label' } } };
    assert.deepEqual(problems(stringScore, odd), ['outputs.score names "label", a string tensor']);
  });

  test('without output shapes, only output names are checked', () => {
    const graph: GraphShape = { inputs: GRAPH.inputs, outputs: GRAPH.outputs };
    const config: ModelConfig = { ...CONFIG, outputs: { score: { output: 'probabilities', index: 9 } } };
    assert.deepEqual(problems(config, graph), []);
  });

  test('reports every problem in one error', () => {
    const graph: GraphShape = { inputs: [{ name: 'numeric', type: 'string', dims: ['batch', 5] }], outputs: [] };
    assert.equal(problems(CONFIG, graph).length, 5);
  });
});
