import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ScorerConfig } from '../../../src/config/types.ts';
import { FlagError } from '../../../src/redrive/filter.ts';
import { resolveTarget } from '../../../src/redrive/target.ts';

const config = {
  models: { serve: [{ name: 'fraud' }, { name: 'fraud', version: 1 }, { name: 'rules' }] },
  inputs: [
    { topic: 'payments', format: 'avro', model: 'fraud' },
    { topic: 'mixed', format: 'json', model: 'rules' },
    { topic: 'mixed-avro', format: 'avro', model: 'rules' },
  ],
  flows: [
    { name: 'fraud', inputs: [{ topic: 'f', format: 'json' }], models: ['fraud'] },
    {
      name: 'both',
      inputs: [
        { topic: 'a', format: 'json' },
        { topic: 'b', format: 'avro' },
      ],
      models: ['fraud'],
    },
  ],
} as unknown as ScorerConfig;
const versions = (name: string) => (name === 'fraud' ? [1, 2, 3] : name === 'rules' ? [1] : []);

const flagError = (flags: Parameters<typeof resolveTarget>[1], flag: string, message: RegExp) =>
  assert.throws(
    () => resolveTarget(config, flags, versions),
    (error: unknown) => error instanceof FlagError && error.flag === flag && message.test(error.message),
  );

test('a plain model: the version named, or the highest on disk, loaded alone, in the format of the inputs it scores', () => {
  assert.deepEqual(resolveTarget(config, { model: 'fraud@2' }, versions), {
    kind: 'model',
    model: { name: 'fraud', version: 2 },
    format: 'avro',
    serve: [{ name: 'fraud', version: 2 }],
  });
  assert.deepEqual(resolveTarget(config, { model: 'fraud' }, versions).serve, [{ name: 'fraud', version: 3 }]);
});

test('a flow at a chosen version: that version replaces the bare ref, pinned versions stay loaded, bare refs name it', () => {
  const target = resolveTarget(config, { flow: 'fraud', model: 'fraud@2' }, versions);
  assert.equal(target.kind, 'flow');
  assert.deepEqual(target.serve, [{ name: 'fraud', version: 1 }, { name: 'rules' }, { name: 'fraud', version: 2 }]);
  assert.deepEqual(target.kind === 'flow' ? [...(target.served ?? [])] : [], [['fraud', 2]]);
  const plain = resolveTarget(config, { flow: 'fraud' }, versions);
  assert.deepEqual([plain.format, plain.serve, plain.kind === 'flow' ? plain.served : 'x'], ['json', config.models.serve, undefined]);
});

test('unknown flows, models and versions, and a target that needs one, are refused by flag', () => {
  flagError({}, '--flow', /needs --flow <name> or --model <name>\[@version\]/);
  flagError({ flow: 'nope' }, '--flow', /no flow "nope" in the configuration \(its flows: fraud, both\)/);
  flagError({ model: 'ghost' }, '--model', /no model "ghost" in models.repository/);
  flagError({ model: 'fraud@9' }, '--model', /model fraud has no version 9 \(on disk: 1, 2, 3\)/);
  flagError({ model: 'fraud@x' }, '--model', /"fraud@x" is not a model ref/);
});

test('the format: --format, else the one format of the inputs; refused when they disagree or there are none', () => {
  assert.equal(resolveTarget(config, { flow: 'both', format: 'avro' }, versions).format, 'avro');
  flagError({ flow: 'both' }, '--format', /flow both's inputs are not all in one format: say which format/);
  flagError({ model: 'rules' }, '--format', /model rules's inputs are not all in one format/);
  flagError({ model: 'fraud', format: 'xml' }, '--format', /"xml" is not one of avro, json/);
  const lonely = { ...config, inputs: [] } as unknown as ScorerConfig;
  assert.throws(() => resolveTarget(lonely, { model: 'fraud' }, versions), /model fraud scores no input of the configuration/);
});
