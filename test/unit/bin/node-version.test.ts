import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { test } from 'node:test';
import { tooOld } from '../../../bin/node-version.js';
import { REPO_ROOT } from '../../support/scorer-process.ts';

test('a Node.js too old for the sources gets what to do instead of ERR_UNKNOWN_FILE_EXTENSION', () => {
  const message = tooOld('v20.20.2', 'stream-scorer') ?? '';
  assert.match(message, /needs Node\.js 22\.22 or newer.*this is Node\.js v20\.20\.2/);
  assert.match(message, /npm start -- --config <file>/);
  assert.match(tooOld('v22.18.0', 'loadgen') ?? '', /^loadgen needs/);
  for (const fine of ['v22.22.0', 'v23.0.0', 'v24.21.0']) assert.equal(tooOld(fine, 'x'), undefined, fine);
});

test('the launchers run on this Node.js', () => {
  for (const [launcher, expected] of [
    ['stream-scorer.js', /^stream-scorer: score ONNX models on Kafka streams/],
    ['loadgen.js', /--rate/],
  ] as const) {
    const run = spawnSync(process.execPath, [join(REPO_ROOT, 'bin', launcher), '--help'], { encoding: 'utf8' });
    assert.equal(run.status, 0, `${launcher}: ${run.stderr}`);
    assert.match(run.stdout, expected);
  }
});
