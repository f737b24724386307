import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseBenchArgs, STAGES, USAGE } from '../../../bench/options.ts';
import { UsageError } from '../../../loadgen/profile.ts';

test('full mode follows PROTOCOL.md: 3 repetitions of 60 s trials', () => {
  const options = parseBenchArgs([]);
  assert.notEqual(options, 'help');
  if (options === 'help') return;
  assert.equal(options.mode, 'full');
  assert.equal(options.repeat, 3);
  assert.equal(options.trialMs, 60_000);
  assert.equal(options.burstPhaseMs, 60_000);
  assert.deepEqual(options.fixedRates, [200, 1000, 5000, 20000]);
  assert.equal(options.backlogEvents, 400_000);
  assert.deepEqual(options.stages, STAGES);
});

test('the drain stage and its backlog', () => {
  const options = parseBenchArgs(['--only', 'drain', '--repeat', '1', '--backlog', '20000']);
  if (options === 'help') return assert.fail('expected options');
  assert.deepEqual(options.stages, ['drain']);
  assert.equal(options.backlogEvents, 20_000);
  assert.equal(options.mode, 'custom');
  const changed = parseBenchArgs(['--backlog', '50000']);
  if (changed === 'help') return assert.fail('expected options');
  assert.equal(changed.mode, 'custom', 'a smaller backlog is not the protocol');
});

test('--quick shortens everything unless a flag says otherwise', () => {
  const options = parseBenchArgs(['--quick', '--trial', '20s', '--only', 'w1,burst']);
  if (options === 'help') return assert.fail('expected options');
  assert.equal(options.mode, 'quick');
  assert.equal(options.repeat, 1);
  assert.equal(options.trialMs, 20_000);
  assert.equal(options.burstPhaseMs, 10_000);
  assert.deepEqual(options.stages, ['w1', 'burst']);
});

test('the flow stage: W1 through a flow, run with the stages it is compared in, and documented', () => {
  const options = parseBenchArgs(['--quick', '--only', 'drain,flow,w1']);
  if (options === 'help') return assert.fail('expected options');
  assert.deepEqual(options.stages, ['drain', 'flow', 'w1']);
  assert.match(USAGE, /^ {2}flow {9}\S/m);
});

test('a full run with its schedule changed says so', () => {
  const options = parseBenchArgs(['--trial', '15s']);
  if (options === 'help') return assert.fail('expected options');
  assert.equal(options.mode, 'custom');
  assert.equal(options.repeat, 3);
});

test('bad flags are usage errors that name the flag', () => {
  assert.throws(
    () => parseBenchArgs(['--only', 'w1,w3']),
    (e: unknown) => e instanceof UsageError && /--only: unknown stage "w3"/.test(e.message),
  );
  assert.throws(
    () => parseBenchArgs(['--repeat', '0']),
    (e: unknown) => e instanceof UsageError && /--repeat: must be a positive integer, got "0"/.test(e.message),
  );
  assert.throws(
    () => parseBenchArgs(['--trial', 'soon']),
    (e: unknown) => e instanceof UsageError && /--trial/.test(e.message),
  );
  assert.throws(
    () => parseBenchArgs(['--backlog', '-5']),
    (e: unknown) => e instanceof UsageError && /--backlog/.test(e.message),
  );
  assert.throws(() => parseBenchArgs(['--only', 'kafka']), /unknown stage "kafka"/);
  assert.throws(() => parseBenchArgs(['--bogus']), UsageError);
  assert.equal(parseBenchArgs(['--help']), 'help');
});

test('the scale-out stage: its backlog, rate and windows, shorter with --quick, flags win', () => {
  const full = parseBenchArgs(['--only', 'scale-out']);
  if (full === 'help') return assert.fail('expected options');
  assert.deepEqual(full.stages, ['scale-out']);
  assert.equal(full.mode, 'full');
  assert.deepEqual([full.scaleBacklogEvents, full.scaleRate, full.scaleWindowMs], [400_000, 5000, 10_000]);
  const quick = parseBenchArgs(['--quick', '--only', 'scale-out']);
  if (quick === 'help') return assert.fail('expected options');
  assert.deepEqual([quick.scaleBacklogEvents, quick.scaleRate, quick.scaleWindowMs], [200_000, 5000, 5000]);
  const custom = parseBenchArgs(['--scale-backlog', '50000', '--scale-rate', '2000', '--scale-window', '20s']);
  if (custom === 'help') return assert.fail('expected options');
  assert.equal(custom.mode, 'custom');
  assert.deepEqual([custom.scaleBacklogEvents, custom.scaleRate, custom.scaleWindowMs], [50_000, 2000, 20_000]);
  assert.throws(() => parseBenchArgs(['--scale-rate', '0']), /--scale-rate: must be a positive integer/);
});
