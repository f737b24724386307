import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, test } from 'node:test';
import { modelId } from '../../../src/core/model-id.ts';
import { isScorerError } from '../../../src/errors.ts';
import { loadModelRepository } from '../../../src/models/repository.ts';

const GOOD = `
name: fraud
description: test model
inputs:
  - name: numeric
    dtype: float32
    fields:
      - field: amount
      - { field: device.risk, default: 0.5 }
  - name: country
    dtype: string
    fields: [{ field: country, default: unknown }]
outputs:
  score: { output: probabilities, index: 1 }
  label: { output: label }
missingRequired: dlq
batching: { maxBatchSize: 128, maxDelayMs: 2, targetBatchMs: 5 }
`;

const roots: string[] = [];
after(() => Promise.all(roots.map((root) => rm(root, { recursive: true, force: true }))));

async function repository(layout: Record<string, string>): Promise<string> {
  const root = await mkdtemp(path.join(tmpdir(), 'model-repo-'));
  roots.push(root);
  for (const [file, text] of Object.entries(layout)) {
    await mkdir(path.dirname(path.join(root, file)), { recursive: true });
    await writeFile(path.join(root, file), text);
  }
  return root;
}

function model(name: string, version: number, config = GOOD.replace('name: fraud', `name: ${name}`)): Record<string, string> {
  return { [`${name}/${version}/config.yaml`]: config, [`${name}/${version}/model.onnx`]: 'onnx bytes' };
}

async function loadProblems(root: string, name = 'fraud', version?: number): Promise<string[]> {
  const err = await loadModelRepository(root, [version === undefined ? { name } : { name, version }]).then(
    () => assert.fail('expected the load to fail'),
    (e: unknown) => e,
  );
  assert.ok(isScorerError(err, 'SCORER_ERR_MODEL_LOAD'), String(err));
  return err.details['problems'] as string[];
}

describe('loadModelRepository', () => {
  test('loads a valid model, fills version from its directory and resolves an absolute onnx path', async () => {
    const root = await repository(model('fraud', 1));
    const [entry] = await loadModelRepository(root, [{ name: 'fraud', version: 1 }]);
    assert.ok(entry);
    assert.equal(entry.config.version, 1);
    assert.equal(entry.config.name, 'fraud');
    assert.equal(entry.onnxPath, path.join(root, 'fraud', '1', 'model.onnx'));
    assert.ok(path.isAbsolute(entry.onnxPath));
    assert.deepEqual(entry.config.inputs[0]?.fields[1], { field: 'device.risk', default: 0.5 });
    assert.deepEqual(entry.config.outputs, { score: { output: 'probabilities', index: 1 }, label: { output: 'label' } });
    assert.deepEqual(entry.config.batching, { maxBatchSize: 128, maxDelayMs: 2, targetBatchMs: 5 });
    assert.ok(Object.isFrozen(entry.config.inputs[0]?.fields));
  });

  test('an omitted version takes the highest numeric directory, compared as numbers', async () => {
    const root = await repository({ ...model('fraud', 2), ...model('fraud', 10), ...model('fraud', 9), 'fraud/latest/x': '' });
    const [entry] = await loadModelRepository(root, [{ name: 'fraud' }]);
    assert.equal(entry?.config.version, 10);
  });

  test('serves several models and several versions of one model side by side', async () => {
    const root = await repository({ ...model('fraud', 1), ...model('fraud', 2), ...model('heavy', 3) });
    const entries = await loadModelRepository(root, [{ name: 'fraud', version: 1 }, { name: 'fraud', version: 2 }, { name: 'heavy' }]);
    assert.deepEqual(
      entries.map((e) => modelId(e.config.name, e.config.version)),
      ['fraud:1', 'fraud:2', 'heavy:3'],
    );
  });

  test('missingRequired defaults to dlq and fields may be plain names', async () => {
    const config = 'name: fraud\ninputs: [{ name: x, dtype: int64, fields: [a, b.c] }]\noutputs: { score: { output: y } }\n';
    const [entry] = await loadModelRepository(await repository(model('fraud', 1, config)), [{ name: 'fraud' }]);
    assert.equal(entry?.config.missingRequired, 'dlq');
    assert.deepEqual(entry?.config.inputs[0]?.fields, [{ field: 'a' }, { field: 'b.c' }]);
  });

  test('reports a missing model directory, version directory and model.onnx', async () => {
    const root = await repository({ ...model('fraud', 1), 'empty/readme': '', 'fraud/2/config.yaml': GOOD, 'fraud/3/x': '' });
    assert.match((await loadProblems(root, 'nope'))[0] ?? '', /nope: model directory cannot be read/);
    assert.match((await loadProblems(root, 'empty'))[0] ?? '', /empty: has no numeric version directory/);
    assert.match((await loadProblems(root, 'fraud', 7))[0] ?? '', /fraud[/\\]7: version directory does not exist/);
    assert.match((await loadProblems(root, 'fraud', 2))[0] ?? '', /fraud[/\\]2[/\\]model\.onnx: file does not exist/);
    const both = await loadProblems(root, 'fraud', 3);
    assert.equal(both.length, 2, both.join('\n'));
    assert.match(both[0] ?? '', /fraud[/\\]3[/\\]model\.onnx: file does not exist/);
    assert.match(both[1] ?? '', /fraud[/\\]3[/\\]config\.yaml: cannot be read \(ENOENT\)/);
  });

  test('reports invalid YAML with the file name', async () => {
    const root = await repository(model('fraud', 1, 'name: [unclosed'));
    assert.match((await loadProblems(root))[0] ?? '', /fraud[/\\]1[/\\]config\.yaml: is not valid YAML/);
  });

  test('reports a name that does not match the directory', async () => {
    const root = await repository(model('fraud', 1, GOOD.replace('name: fraud', 'name: other')));
    assert.match((await loadProblems(root))[0] ?? '', /config\.yaml: name "other" must match its directory "fraud"/);
  });

  test('reports the same model and version served twice', async () => {
    const root = await repository(model('fraud', 1));
    const err = await loadModelRepository(root, [{ name: 'fraud' }, { name: 'fraud', version: 1 }]).catch((e: unknown) => e);
    assert.ok(isScorerError(err, 'SCORER_ERR_MODEL_LOAD'));
    assert.deepEqual(err.details['problems'], ['models.serve names fraud:1 more than once']);
  });

  test('reports every violation in a config with its path, prefixed by the file', async () => {
    const bad = `
name: ""
description: 3
extra: true
inputs:
  - name: numeric
    dtype: float64
    fields: []
  - name: numeric
    dtype: int64
    fields:
      - { field: a, default: 1.5 }
      - { field: "b..c" }
      - { fild: d }
      - 7
  - name: s
    dtype: string
    fields: [{ field: e, default: 3 }]
  - name: f
    dtype: float32
    fields: [{ field: g, default: "x" }]
  - oops
outputs:
  score: { output: "", index: -1 }
  label: 5
  extra: {}
missingRequired: skip
batching: { maxBatchSize: 0, maxDelayMs: -1, targetBatchMs: 0, other: 1 }
`;
    const problems = await loadProblems(await repository(model('fraud', 1, bad)));
    const file = path.join('fraud', '1', 'config.yaml');
    for (const problem of problems) assert.ok(problem.includes(`${file}: `), problem);
    const expected = [
      'name must be a non-empty string',
      'description must be a string',
      'extra is not a known setting',
      'inputs[0].dtype must be one of float32, int64, string',
      'inputs[0].fields must be a non-empty list',
      'inputs[1].name repeats "numeric"',
      'inputs[1].fields[0].default must be an integer for an int64 input',
      'inputs[1].fields[1].field "b..c" has an empty path segment',
      'inputs[1].fields[2].fild is not a known setting',
      'inputs[1].fields[2].field is required',
      'inputs[1].fields[3] must be a field name or a mapping',
      'inputs[2].fields[0].default must be a string for a string input',
      'inputs[3].fields[0].default must be a finite number for a float32 input',
      'inputs[4] must be a mapping with name, dtype and fields',
      'outputs.score.output must be a non-empty string',
      'outputs.score.index must be an integer >= 0',
      'outputs.label must be a mapping',
      'outputs.extra is not a known setting',
      'missingRequired must be dlq',
      'batching.maxBatchSize must be an integer >= 1',
      'batching.maxDelayMs must be a number >= 0',
      'batching.targetBatchMs must be a number > 0',
      'batching.other is not a known setting',
    ];
    for (const text of expected)
      assert.ok(
        problems.some((p) => p.includes(text)),
        `missing: ${text}\n${problems.join('\n')}`,
      );
    assert.equal(problems.length, expected.length, problems.join('\n'));
  });

  test('reports missing required sections', async () => {
    const problems = await loadProblems(await repository(model('fraud', 1, 'name: fraud\n')));
    assert.deepEqual(
      problems.map((p) => p.split('config.yaml: ')[1]),
      ['inputs must be a non-empty list', 'outputs must be a mapping with `score` and optional `label`'],
    );
    const scoreless = await loadProblems(await repository(model('fraud', 1, GOOD.replace(/score: .*\n/, ''))));
    assert.deepEqual(
      scoreless.map((p) => p.split('config.yaml: ')[1]),
      ['outputs.score is required'],
    );
  });

  test('gathers the problems of several models into one error', async () => {
    const root = await repository({ ...model('fraud', 1, 'name: fraud\ninputs: 1\noutputs: { score: { output: p } }\n'), ...model('heavy', 1) });
    const err = await loadModelRepository(root, [{ name: 'fraud' }, { name: 'missing' }, { name: 'heavy' }]).catch((e: unknown) => e);
    assert.ok(isScorerError(err, 'SCORER_ERR_MODEL_LOAD'));
    const problems = err.details['problems'] as string[];
    assert.equal(problems.length, 2, problems.join('\n'));
    assert.match(err.message, /inputs must be a non-empty list/);
    assert.match(err.message, /missing: model directory cannot be read/);
  });

  test('a model of kind heuristic needs no model.onnx nor feature spec: its hooks.ts, which must export predict, is its entry', async () => {
    const predict = 'export const predict = (events: unknown[]) => events.map(() => ({ score: 0.5 }));\n';
    const root = await repository({ 'rules/1/config.yaml': 'name: rules\nkind: heuristic\n', 'rules/1/hooks.ts': predict });
    const [entry] = await loadModelRepository(root, [{ name: 'rules' }]);
    assert.equal(entry?.config.kind, 'heuristic');
    assert.deepEqual(entry?.config.inputs, []);
    assert.equal(entry?.onnxPath, undefined);
    assert.equal(entry?.hooksPath, path.join(root, 'rules', '1', 'hooks.ts'));
  });

  test('a heuristic model may keep a feature spec, checked like any other', async () => {
    const config = `${GOOD.replace('name: fraud', 'name: rules')}kind: heuristic\n`;
    const root = await repository({ 'rules/1/config.yaml': config, 'rules/1/hooks.ts': 'export function predict() { return []; }\n' });
    const [entry] = await loadModelRepository(root, [{ name: 'rules' }]);
    assert.equal(entry?.config.inputs.length, 2);
    const bad = await repository({ 'rules/1/config.yaml': 'name: rules\nkind: heuristic\ninputs: []\n', 'rules/1/hooks.ts': 'export function predict() {}\n' });
    assert.deepEqual(
      (await loadProblems(bad, 'rules')).map((p) => p.split('config.yaml: ')[1]),
      ['inputs must be a non-empty list'],
    );
  });

  test("reports a heuristic model's missing hooks.ts, a hooks.ts without predict, and an unknown kind, naming the file", async () => {
    const root = await repository({
      'none/1/config.yaml': 'name: none\nkind: heuristic\n',
      'wrong/1/config.yaml': 'name: wrong\nkind: heuristic\n',
      'wrong/1/hooks.ts': 'export const postprocess = () => {};\n',
      'odd/1/config.yaml': `${GOOD.replace('name: fraud', 'name: odd')}kind: tree\n`,
      'odd/1/model.onnx': 'onnx bytes',
    });
    assert.deepEqual(await loadProblems(root, 'none'), [
      `${path.join(root, 'none', '1', 'hooks.ts')}: file does not exist (a model of kind heuristic is the predict export of its hooks.ts)`,
    ]);
    assert.deepEqual(await loadProblems(root, 'wrong'), [`hook ${path.join(root, 'wrong', '1', 'hooks.ts')}#predict: the module has no export "predict"`]);
    assert.deepEqual(await loadProblems(root, 'odd'), [`${path.join(root, 'odd', '1', 'config.yaml')}: kind must be one of onnx, heuristic`]);
  });

  test("an onnx model's hooks.ts is loaded as the workers load it: an export that is not a function is a problem", async () => {
    const root = await repository({ ...model('fraud', 1), 'fraud/1/hooks.ts': 'export const preprocess = 3;\n' });
    assert.deepEqual(await loadProblems(root), [
      `hook ${path.join(root, 'fraud', '1', 'hooks.ts')}#preprocess: export "preprocess" is a number, not a function`,
    ]);
  });

  test('an onnx model keeps every check, and reports a hooks.ts beside its graph', async () => {
    const root = await repository({ ...model('fraud', 1), 'fraud/1/hooks.ts': 'export const postprocess = () => {};\n', ...model('heavy', 1) });
    const [fraud, heavy] = await loadModelRepository(root, [{ name: 'fraud' }, { name: 'heavy' }]);
    assert.equal(fraud?.hooksPath, path.join(root, 'fraud', '1', 'hooks.ts'));
    assert.equal(fraud?.config.kind, undefined);
    assert.equal(heavy?.hooksPath, undefined);
    const explicit = await repository({ 'fraud/1/config.yaml': `${GOOD}kind: onnx\n` });
    assert.deepEqual(await loadProblems(explicit), [`${path.join(explicit, 'fraud', '1', 'model.onnx')}: file does not exist`]);
  });
});
