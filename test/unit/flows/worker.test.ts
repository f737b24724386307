/**
 * The inference worker with flows, in a real piscina thread: a real ONNX model (fraud:1) and a
 * heuristic one (hooks from a fixture) routed by a field, flow hooks loaded from a fixture, and a
 * worker whose flow names a hook that is not there failing in bootstrap with the file and the export.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { Piscina } from 'piscina';
import type { PredictionValue } from '../../../src/codecs/prediction.ts';
import type { FlowPlan } from '../../../src/flows/plan.ts';
import type { InferenceWorkerData, WorkerReply, WorkerRequest } from '../../../src/inference/protocol.ts';
import type { ModelConfig, ModelEntry } from '../../../src/inference/types.ts';
import { loadModelRepository } from '../../../src/models/repository.ts';
import { flowRequest, rows } from './support.ts';

const REPOSITORY = fileURLToPath(new URL('../../../models', import.meta.url));
const WORKER = new URL('../../../src/inference/worker.ts', import.meta.url).href;
const FIXTURES = join(import.meta.dirname, 'fixtures');
const RULES: ModelConfig = { name: 'rules', version: 1, kind: 'heuristic', inputs: [], outputs: { score: { output: '' } }, missingRequired: 'dlq' };

const FLOW: FlowPlan = {
  name: 'payments',
  route: { by: 'field', name: 'channel', table: { manual: [{ model: 'rules:1' }] }, fallthrough: [{ model: 'fraud:1' }] },
  postprocess: { file: join(FIXTURES, 'flow-hooks.ts'), export: 'postprocess' },
  experiments: [],
};

function pool(fraud: ModelEntry, flows: readonly FlowPlan[]): Piscina<WorkerRequest, WorkerReply> {
  const workerData: InferenceWorkerData = {
    models: [
      { config: fraud.config, onnxPath: fraud.onnxPath },
      { config: RULES, hooksPath: join(FIXTURES, 'rules-model.ts') },
    ],
    flows,
    control: { channel: `worker-test-${process.pid}`, generation: new Int32Array(new SharedArrayBuffer(4)) },
    limits: { maxStringFeatureLength: 256 },
    injectDelayMs: 0,
  };
  return new Piscina({ filename: WORKER, minThreads: 1, maxThreads: 1, idleTimeout: Infinity, workerData });
}

describe('the inference worker with flows', () => {
  let fraud: ModelEntry;
  let piscina: Piscina<WorkerRequest, WorkerReply>;
  before(async () => {
    [fraud] = (await loadModelRepository(REPOSITORY, [{ name: 'fraud', version: 1 }])) as [ModelEntry];
    piscina = pool(fraud, [FLOW]);
  });
  after(() => piscina.destroy());

  test('a heuristic model is described with no inputs or outputs', async () => {
    assert.deepEqual(await piscina.run({ kind: 'describe', model: 'rules', version: 1 }), { kind: 'described', inputs: [], outputs: [], outputInfo: [] });
    const graph = await piscina.run({ kind: 'describe', model: 'fraud', version: 1 });
    assert.equal(graph.kind === 'described' && graph.inputs.length > 0, true);
  });

  test('a flow batch is routed to the ONNX model and the heuristic one, and the hooks applied', async () => {
    const golden = JSON.parse(readFileSync(join(REPOSITORY, 'fraud/1/golden.json'), 'utf8')) as { rows: { event: Record<string, unknown>; score: number }[] };
    const event = golden.rows[0]!;
    const request = { ...flowRequest([{ value: { ...event.event, chainTo: null } }, { value: { channel: 'manual', amount: 200 } }]), flow: 'payments' };
    const reply = await piscina.run(request);
    assert.equal(reply.kind, 'flow-scored', reply.kind === 'failed' ? reply.error.message : '');
    if (reply.kind !== 'flow-scored') return;
    const [scored, manual] = rows(reply) as PredictionValue[][];
    assert.ok(Math.abs((scored?.[0]?.score ?? Number.NaN) - event.score) < 1e-5, 'the graph scored it as the plain path does');
    assert.equal(scored?.[0]?.attributes?.['rule'], 'checked');
    assert.equal(manual?.[0]?.model_name, 'rules');
    assert.equal(manual?.[0]?.attributes?.['model-hook'], 'rules');
    assert.deepEqual(reply.models, ['fraud:1', 'rules:1']);
  });

  test('a flow the worker does not hold is a failed reply, not a dead thread', async () => {
    const reply = await piscina.run({ ...flowRequest([{ value: { x: 1 } }]), flow: 'nope' });
    assert.deepEqual(reply, { kind: 'failed', error: { name: 'Error', message: 'flow nope is not loaded in this worker' } });
  });
});

test('a flow naming a hook its file does not export fails the worker in bootstrap, naming both', async () => {
  const [fraud] = (await loadModelRepository(REPOSITORY, [{ name: 'fraud', version: 1 }])) as [ModelEntry];
  const file = join(FIXTURES, 'flow-hooks.ts');
  const broken = pool(fraud, [{ ...FLOW, preprocess: { file, export: 'missing' } }]);
  try {
    await assert.rejects(broken.run({ kind: 'describe', model: 'fraud', version: 1 }), {
      message: `flow payments: hook ${file}#missing: the module has no export "missing"`,
    });
  } finally {
    await broken.destroy();
  }
});
