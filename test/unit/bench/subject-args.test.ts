import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseSubjectArgs, type SubjectArgs, subjectFlags } from '../../../bench/subjects/args.ts';
import { FlagError } from '../../../bench/subjects/flags.ts';

const ARGS: SubjectArgs = {
  brokers: ['127.0.0.1:9092', 'kafka-1:9093'],
  registryUrl: 'http://127.0.0.1:8081',
  inputTopic: 'payments',
  outputTopic: 'predictions',
  group: 'bench-group',
  model: 'heavy',
  modelsDir: '/srv/models',
};

function withFlag(flag: string, value: string | undefined): string[] {
  const argv = subjectFlags(ARGS);
  const at = argv.indexOf(`--${flag}`);
  if (value === undefined) argv.splice(at, 2);
  else argv[at + 1] = value;
  return argv;
}

function rejects(argv: readonly string[], pattern: RegExp): void {
  assert.throws(
    () => parseSubjectArgs(argv),
    (error: unknown) => error instanceof FlagError && pattern.test(error.message),
  );
}

test('subjectFlags and parseSubjectArgs round-trip', () => {
  assert.deepEqual(parseSubjectArgs(subjectFlags(ARGS)), ARGS);
});

test('--client is optional, round-trips, and must name a client of the interface', () => {
  const withClient: SubjectArgs = { ...ARGS, client: 'platformatic' };
  assert.deepEqual(parseSubjectArgs(subjectFlags(withClient)), withClient);
  assert.equal(parseSubjectArgs(subjectFlags(ARGS)).client, undefined);
  rejects([...subjectFlags(ARGS), '--client', 'rdkafka'], /^--client must be one of kafkajs, platformatic, got "rdkafka"$/);
});

test('--models-dir defaults to models', () => {
  assert.equal(parseSubjectArgs(withFlag('models-dir', undefined)).modelsDir, 'models');
});

test('each required flag is named when missing', () => {
  for (const flag of ['brokers', 'registry', 'input', 'output', 'group', 'model']) {
    rejects(withFlag(flag, undefined), new RegExp(`^--${flag} is required$`));
  }
});

test('bad values name their flag', () => {
  rejects(withFlag('model', 'tiny'), /^--model must be one of fraud, heavy, got "tiny"$/);
  rejects(withFlag('brokers', '127.0.0.1'), /^--brokers must be host:port/);
  rejects(withFlag('registry', 'localhost:8081'), /^--registry must be an http\(s\) URL/);
  rejects(withFlag('output', ARGS.inputTopic), /^--output must differ from --input/);
});

test('unknown flags and positional arguments are refused', () => {
  rejects([...subjectFlags(ARGS), '--treads', '2'], /--treads/);
  rejects([...subjectFlags(ARGS), 'extra'], /extra/);
});
