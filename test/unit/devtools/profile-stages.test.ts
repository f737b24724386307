import assert from 'node:assert/strict';
import test from 'node:test';
import { type Frame, stageOf } from '../../../devtools/profile-stages.ts';

const at = (file: string, functionName = 'f'): Frame => ({ functionName, url: `file:///repo/${file}` });
const node = (functionName: string): Frame => ({ functionName, url: 'node:internal/buffer' });

test('the leaf-most recognised frame decides, past Node internals', () => {
  assert.equal(stageOf([node('utf8Slice'), at('node_modules/avsc/lib/types.js', 'readString'), at('src/inference/score-records.ts')]), 'value decode');
  assert.equal(stageOf([node('writeBuffer'), at('src/kafka/platformatic/producer.ts', 'send')]), 'produce');
});

test('in the worker, each stage of scoring a batch has its own name', () => {
  const worker = at('src/inference/score-records.ts', 'scoreRecords');
  assert.equal(stageOf([at('src/codecs/avro-reader.ts', 'readColumns'), worker]), 'value decode');
  assert.equal(stageOf([at('src/codecs/features.ts', 'pack'), worker]), 'tensor packing');
  assert.equal(stageOf([at('src/codecs/features.ts', 'extract'), worker]), 'feature extraction');
  assert.equal(stageOf([node('utf8Slice'), at('src/codecs/avro-cursor.ts', 'string'), at('src/codecs/avro-program.ts', 'run'), worker]), 'value decode');
  assert.equal(stageOf([at('src/codecs/row-decoder.ts', 'decodeInto'), worker]), 'value decode');
  assert.equal(stageOf([at('src/codecs/feature-columns.ts', 'appendRow'), at('src/codecs/row-decoder.ts', 'decodeInto'), worker]), 'feature extraction');
  assert.equal(stageOf([at('node_modules/onnxruntime-node/dist/backend.js', 'run'), worker]), 'inference');
  assert.equal(stageOf([at('src/codecs/prediction-encoder.ts', 'encode'), worker]), 'prediction encoding');
  assert.equal(stageOf([worker]), 'worker round trip');
});

test('on the main thread, the screen counts as intake and the request as the round trip', () => {
  assert.equal(stageOf([at('src/codecs/input-format.ts', 'check'), at('src/intake/intake.ts')]), 'intake and batching');
  assert.equal(stageOf([at('src/models/records-request.ts', 'build'), at('src/models/stage.ts')]), 'worker round trip');
});

test('shared client code decides only when nothing more specific is on the stack', () => {
  const network = at('node_modules/@platformatic/kafka/dist/network/connection.js', 'write');
  assert.equal(stageOf([network]), 'client fetch and record parsing');
  assert.equal(stageOf([network, at('src/kafka/platformatic/producer.ts', 'send')]), 'produce');
});

test('GC and idle are named; an unknown stack is other', () => {
  assert.equal(stageOf([{ functionName: '(garbage collector)', url: '' }]), 'GC');
  assert.equal(stageOf([{ functionName: '(idle)', url: '' }]), 'idle');
  assert.equal(stageOf([node('nextTick')]), 'other');
});
