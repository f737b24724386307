import assert from 'node:assert/strict';
import { test } from 'node:test';
import { type CliCommand, EXIT_CODES, parseCli } from '../../src/cli.ts';

const usageError = (argv: string[]): Extract<CliCommand, { kind: 'usage-error' }> => {
  const command = parseCli(argv);
  assert.equal(command.kind, 'usage-error', JSON.stringify(argv));
  return command as Extract<CliCommand, { kind: 'usage-error' }>;
};

const helpText = (argv: string[]): string => {
  const command = parseCli(argv);
  assert.equal(command.kind, 'help', JSON.stringify(argv));
  return (command as Extract<CliCommand, { kind: 'help' }>).text;
};

test('run and check take the config file in either option form', () => {
  assert.deepEqual(parseCli(['run', '--config', 'a.yaml']), { kind: 'run', configFile: 'a.yaml' });
  assert.deepEqual(parseCli(['run', '--config=b.yaml']), { kind: 'run', configFile: 'b.yaml' });
  assert.deepEqual(parseCli(['check', '-c', 'c.json']), { kind: 'check', configFile: 'c.json' });
  assert.deepEqual(parseCli(['--config', 'd.yaml', 'check']), { kind: 'check', configFile: 'd.yaml' });
});

test('--version and -v', () => {
  assert.deepEqual(parseCli(['--version']), { kind: 'version' });
  assert.deepEqual(parseCli(['-v']), { kind: 'version' });
});

test('general help: --help, -h and help', () => {
  const text = helpText(['--help']);
  assert.equal(helpText(['-h']), text);
  assert.equal(helpText(['help']), text);
  for (const part of ['run --config <file>', 'check --config <file>', '--version']) assert.ok(text.includes(part), part);
});

test('help describes the environment overrides with examples, and the exit codes', () => {
  const text = helpText(['--help']);
  assert.match(text, /SCORER_KAFKA__BROKERS=kafka-0:9092,kafka-1:9092/);
  assert.match(text, /SCORER_BATCHING__MAX_BATCH_SIZE=128/);
  assert.match(text, new RegExp(`^ {2}${EXIT_CODES.ok} {2}success`, 'm'));
  assert.match(text, new RegExp(`^ {2}${EXIT_CODES.failure} {2}runtime failure`, 'm'));
  assert.match(text, new RegExp(`^ {2}${EXIT_CODES.usage} {2}usage or configuration error`, 'm'));
  assert.deepEqual(EXIT_CODES, { ok: 0, failure: 1, usage: 2 });
});

test('command help: <command> --help and help <command>', () => {
  const text = helpText(['check', '--help']);
  assert.match(text, /^Usage: stream-scorer check --config <file>/);
  assert.equal(helpText(['help', 'check']), text);
  assert.match(helpText(['run', '-h', '--config', 'x']), /^Usage: stream-scorer run/);
});

test('usage errors carry a message and the help to show', () => {
  const cases: [string[], string | RegExp][] = [
    [[], 'missing command'],
    [['serve'], 'unknown command "serve"'],
    [['run'], 'run needs --config <file>'],
    [['check', '--config='], 'check needs --config <file>'],
    [['run', 'extra', '-c', 'x'], 'unexpected argument "extra"'],
    [['run', '--bogus'], /^Unknown option '--bogus'\.$/],
    [['run', '--config'], /argument missing/],
    [['help', 'serve'], 'unknown command "serve"'],
    [['help', 'run', 'check'], 'unexpected argument "check"'],
  ];
  for (const [argv, expected] of cases) {
    const { message, text } = usageError(argv);
    if (typeof expected === 'string') assert.equal(message, expected);
    else assert.match(message, expected);
    assert.ok(text.length > 0);
  }
  assert.match(usageError(['run']).text, /^Usage: stream-scorer run/);
  assert.match(usageError(['serve']).text, /^stream-scorer: score ONNX models/);
});

test('redrive: the filter parsed, the target and topic passed on, --dry-run', () => {
  const command = parseCli([
    'redrive',
    '-c',
    'a.yaml',
    '--flow',
    'fraud',
    '--model',
    'fraud@2',
    '--reason',
    'INFERENCE_FAILED',
    '--partitions',
    '0-3',
    '--dry-run',
  ]);
  assert.deepEqual(command, {
    kind: 'redrive',
    configFile: 'a.yaml',
    redrive: {
      filter: { time: 'failed-at', reasons: new Set(['INFERENCE_FAILED']), partitions: { from: 0, to: 3 } },
      target: { flow: 'fraud', model: 'fraud@2' },
      dryRun: true,
    },
  });
  const plain = parseCli(['redrive', '-c', 'a.yaml', '--model', 'fraud', '--topic', 'scores.dlq']);
  assert.deepEqual(plain.kind === 'redrive' ? [plain.redrive.topic, plain.redrive.target, plain.redrive.dryRun] : [], [
    'scores.dlq',
    { model: 'fraud' },
    false,
  ]);
});

test('redrive: a bad filter flag is a usage error naming the flag, with the redrive help', () => {
  const reason = usageError(['redrive', '-c', 'a.yaml', '--model', 'fraud', '--reason', 'NOPE']);
  assert.match(reason.message, /^--reason: unknown reason code "NOPE"; the codes are TOMBSTONE, /);
  assert.match(reason.text, /--partitions <n \| a-b>/);
  assert.match(usageError(['redrive', '-c', 'a.yaml', '--partitions', '4-1']).message, /^--partitions: "4-1" ends before it starts/);
  assert.match(helpText(['help', 'redrive']), /--dry-run +count what would be redriven/);
});

test('redrive options belong to redrive only', () => {
  assert.equal(usageError(['run', '-c', 'a.yaml', '--reason', 'TOMBSTONE']).message, '--reason is an option of redrive only');
  assert.equal(usageError(['check', '-c', 'a.yaml', '--dry-run']).message, '--dry-run is an option of redrive only');
});
