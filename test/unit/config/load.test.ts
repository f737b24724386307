import assert from 'node:assert/strict';
import { availableParallelism } from 'node:os';
import { join, resolve } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { loadConfig } from '../../../src/config/load.ts';
import { isScorerError } from '../../../src/errors.ts';
import { minimal, tempDir, violationAt, violationsOf, writeFile } from './support.ts';

const configDir = fileURLToPath(new URL('../../../config/', import.meta.url));

test('fills every default, including the derived ones', () => {
  const config = loadConfig({ overrides: minimal() });
  assert.deepEqual(config.kafka.brokers, ['localhost:9092']);
  assert.equal(config.kafka.consumer.sessionTimeoutMs, 30000);
  assert.equal(config.kafka.producer.compression, 'none');
  assert.equal(config.batching.maxBatchSize, 1024);
  assert.equal(config.batching.targetBatchMs, 10);
  assert.equal(config.backpressure.resumeRatio, 0.5);
  assert.equal(config.http.port, 9464);
  assert.equal(config.log.level, 'info');
  assert.equal(config.deadLetter.topic, 'predictions.dlq');
  assert.equal(config.inference.threads, Math.max(1, availableParallelism() - 1));
  assert.equal(config.schemaRegistry, undefined);
  assert.equal(config.models.serve[0]?.version, undefined);
});

test('an explicit dead-letter topic replaces the derived one', () => {
  const config = loadConfig({ overrides: { ...minimal(), deadLetter: { topic: 'errors' } } });
  assert.equal(config.deadLetter.topic, 'errors');
});

test('YAML and JSON files load to the same configuration', (t) => {
  const dir = tempDir(t);
  const yaml = writeFile(
    dir,
    'a.yaml',
    'models:\n  serve: [{name: fraud}]\ninputs:\n  - {topic: payments, format: json, model: fraud}\noutput:\n  topic: predictions\n  format: json\nbatching:\n  maxBatchSize: 64\n',
  );
  const json = writeFile(dir, 'a.json', JSON.stringify({ ...minimal(), batching: { maxBatchSize: 64 } }));
  const fromYaml = loadConfig({ file: yaml });
  assert.equal(fromYaml.batching.maxBatchSize, 64);
  assert.deepEqual(loadConfig({ file: json }), fromYaml);
});

test('environment variables override the file, and overrides win over both', (t) => {
  const file = writeFile(tempDir(t), 'c.json', JSON.stringify({ ...minimal(), batching: { maxBatchSize: 64 } }));
  const env = {
    SCORER_KAFKA__BROKERS: 'a:9092, b:9092',
    SCORER_BATCHING__MAX_BATCH_SIZE: '128',
    SCORER_KAFKA__CONSUMER__SESSION_TIMEOUT_MS: '45000',
    SCORER_KAFKA__CONSUMER__FROM_BEGINNING: 'false',
    SCORER_SCHEMA_REGISTRY__URL: 'http://registry:8081',
    SCORER_BACKPRESSURE__RESUME_RATIO: '0.25',
    SCORER_LOG__LEVEL: 'debug',
    PATH: '/usr/bin', // not SCORER_: ignored
  };
  const config = loadConfig({ file, env, overrides: { log: { level: 'warn' } } });
  assert.deepEqual(config.kafka.brokers, ['a:9092', 'b:9092']);
  assert.equal(config.batching.maxBatchSize, 128);
  assert.equal(config.kafka.consumer.sessionTimeoutMs, 45000);
  assert.equal(config.kafka.consumer.fromBeginning, false);
  assert.deepEqual(config.schemaRegistry, { url: 'http://registry:8081' });
  assert.equal(config.backpressure.resumeRatio, 0.25);
  assert.equal(config.log.level, 'warn');
});

test('a value that does not coerce is reported with the variable that set it', () => {
  const env = { SCORER_BATCHING__MAX_BATCH_SIZE: 'abc', SCORER_KAFKA__BROKERS: 'a:9092,b' };
  let message = '';
  const violations = violationsOf(() => {
    try {
      loadConfig({ env, overrides: minimal() });
    } catch (err) {
      message = err instanceof Error ? err.message : '';
      throw err;
    }
  });
  const expected = 'must be an integer >= 1 (got "abc" from SCORER_BATCHING__MAX_BATCH_SIZE)';
  assert.equal(violationAt(violations, 'batching.maxBatchSize'), expected);
  assert.match(message, /^ {2}batching\.maxBatchSize: must be an integer >= 1 \(got "abc" from SCORER_BATCHING__MAX_BATCH_SIZE\)$/m);
  assert.equal(violationAt(violations, 'kafka.brokers[1]'), 'must be host:port (got "b" from SCORER_KAFKA__BROKERS)');
});

test('an SCORER_ variable that names no setting is a violation (typo guard)', () => {
  const env = {
    SCORER_BATCHING__MAX_BATCH_SIZ: '1',
    SCORER_INPUTS: 'payments',
    SCORER_NOTHING_LIKE_IT_AT_ALL_REALLY: 'x',
    SCORER_HTTP__PORT: '', // empty: as if unset
  };
  const violations = violationsOf(() => loadConfig({ env, overrides: minimal() }));
  assert.equal(violations.length, 3);
  assert.equal(violationAt(violations, 'SCORER_BATCHING__MAX_BATCH_SIZ'), 'matches no setting; did you mean SCORER_BATCHING__MAX_BATCH_SIZE?');
  assert.match(violationAt(violations, 'SCORER_INPUTS'), /only be set in the config file/);
  assert.equal(violationAt(violations, 'SCORER_NOTHING_LIKE_IT_AT_ALL_REALLY'), 'matches no setting');
});

test('every violation is reported at once, each with its path', (t) => {
  const file = writeFile(
    tempDir(t),
    'bad.yaml',
    [
      'kafka:',
      '  broker: [x:1]',
      '  producer: {compression: zstd}',
      'models: {serve: [{name: fraud, version: 0}]}',
      'inputs: [{topic: "bad topic", format: json, model: fraud}]',
      'output: {format: json}',
      'batching: {maxBatchSize: -1, maxDelayMs: soon}',
      'http: {port: 70000}',
      'log: {level: loud}',
      'extra: 1',
    ].join('\n'),
  );
  const violations = violationsOf(() => loadConfig({ file }));
  assert.deepEqual(violations.map((v) => v.path).sort(), [
    'batching.maxBatchSize',
    'batching.maxDelayMs',
    'extra',
    'http.port',
    'inputs[0].topic',
    'kafka.broker',
    'kafka.producer.compression',
    'log.level',
    'models.serve[0].version',
    'output.topic',
  ]);
  assert.equal(violationAt(violations, 'output.topic'), 'is required');
  assert.equal(violationAt(violations, 'http.port'), 'must be an integer between 0 and 65535 (got 70000)');
  assert.equal(violationAt(violations, 'kafka.producer.compression'), 'must be one of "none", "gzip" (got "zstd")');
  assert.equal(violationAt(violations, 'batching.maxDelayMs'), 'must be a number >= 0 (got "soon")');
});

test('unknown keys suggest the closest known key', () => {
  const violations = violationsOf(() =>
    loadConfig({
      overrides: {
        ...minimal(),
        kafka: { broker: ['a:1'] },
        batching: { max_batch_size: 1 },
        commit: { zzzzzz: 1 },
        http: { toString: 'x' },
      },
    }),
  );
  assert.match(violationAt(violations, 'http.toString'), /^unknown setting/);
  assert.equal(violationAt(violations, 'kafka.broker'), 'unknown setting; did you mean "brokers"?');
  assert.equal(violationAt(violations, 'batching.max_batch_size'), 'unknown setting; did you mean "maxBatchSize"?');
  assert.equal(violationAt(violations, 'commit.zzzzzz'), 'unknown setting; settings here: intervalMs, timeoutMs');
});

test('the result is deeply frozen', () => {
  const config = loadConfig({ overrides: minimal() });
  assert.ok(Object.isFrozen(config) && Object.isFrozen(config.kafka.consumer) && Object.isFrozen(config.inputs[0]));
  assert.throws(() => {
    (config.kafka.brokers as string[]).push('x:1');
  }, TypeError);
  assert.throws(() => {
    (config.batching as { maxBatchSize: number }).maxBatchSize = 1;
  }, TypeError);
});

test('relative paths resolve against the config file directory, absolute ones stay', (t) => {
  const dir = tempDir(t);
  const elsewhere = resolve(dir, 'abs', 'schema.avsc');
  const file = writeFile(dir, 'conf/scorer.json', JSON.stringify({ ...minimal(), models: { repository: '../models', serve: [{ name: 'fraud' }] } }));
  const config = loadConfig({ file, overrides: { output: { schemaFile: elsewhere } } });
  assert.equal(config.models.repository, join(dir, 'models'));
  assert.equal(config.output.schemaFile, elsewhere);
  assert.equal(loadConfig({ file }).output.schemaFile, join(dir, 'conf', 'schemas', 'prediction.avsc'));
});

test('without a file, relative paths resolve against the working directory', () => {
  const config = loadConfig({ overrides: minimal() });
  assert.equal(config.models.repository, resolve('models'));
  assert.equal(config.output.schemaFile, resolve('schemas/prediction.avsc'));
});

test('a null value counts as absent, so the default applies', () => {
  const config = loadConfig({ overrides: { ...minimal(), batching: { maxBatchSize: null }, kafka: null } });
  assert.equal(config.batching.maxBatchSize, 1024);
  assert.equal(config.batching.targetBatchMs, 10);
  assert.deepEqual(config.kafka.brokers, ['localhost:9092']);
});

test('a file that cannot be read or parsed is a configuration error', (t) => {
  const dir = tempDir(t);
  const missing = join(dir, 'missing.yaml');
  assert.equal(
    violationAt(
      violationsOf(() => loadConfig({ file: missing })),
      '(file)',
    ).includes('ENOENT'),
    true,
  );
  const broken = writeFile(dir, 'broken.yaml', 'kafka: {brokers: [a:1\n');
  assert.match(
    violationAt(
      violationsOf(() => loadConfig({ file: broken })),
      '(file)',
    ),
    /not valid YAML or JSON/,
  );
  const duplicate = writeFile(dir, 'dup.yaml', 'log: {level: info}\nlog: {level: warn}\n');
  assert.match(
    violationAt(
      violationsOf(() => loadConfig({ file: duplicate })),
      '(file)',
    ),
    /unique/i,
  );
  const list = writeFile(dir, 'list.yaml', '- a\n- b\n');
  assert.equal(
    violationAt(
      violationsOf(() => loadConfig({ file: list })),
      '(root)',
    ),
    'must be a mapping (got ["a","b"])',
  );
});

test('the shipped example.yaml and local.yaml both load', () => {
  const example = loadConfig({ file: join(configDir, 'example.yaml') });
  assert.equal(example.output.topic, 'predictions');
  const local = loadConfig({ file: join(configDir, 'local.yaml') });
  assert.deepEqual(local.kafka.brokers, ['127.0.0.1:9092']);
  assert.equal(local.schemaRegistry?.url, 'http://127.0.0.1:8081/apis/ccompat/v7');
  assert.equal(local.models.repository, resolve(configDir, '..', 'models'));
  assert.equal(local.output.schemaFile, resolve(configDir, '..', 'schemas', 'prediction.avsc'));
  assert.deepEqual(local.inputs, [{ topic: 'payments', format: 'avro', model: 'fraud' }]);
  assert.equal(local.http.port, 9464);
});

test('the shipped flows.example.yaml loads: two flows, one experiment, no plain input', () => {
  const config = loadConfig({ file: join(configDir, 'flows.example.yaml') });
  assert.deepEqual(config.inputs, []);
  assert.deepEqual(
    config.flows.map((f) => [f.name, f.inputs.map((i) => i.topic), f.output]),
    [
      ['fraud', ['payments'], 'predictions'],
      ['rules', ['payments-rules'], 'predictions.rules'],
    ],
  );
  assert.equal(config.flows[0]?.route?.name, 'country');
  // Hook files resolve against the configuration's directory, like every other path in it.
  assert.equal(config.flows[0]?.preprocess, join(configDir, '..', 'flows', 'fraud', 'hooks.ts'));
  assert.equal(config.flows[0]?.postprocess, `${join(configDir, '..', 'flows', 'fraud', 'hooks.ts')}#postprocess`);
  assert.deepEqual(
    config.experiments.map((e) => [e.id, e.key, e.variants.map((v) => v.model)]),
    [['fraud-v2-ab', 'account_id', ['fraud@1', 'fraud@2']]],
  );
  assert.equal(config.models.repository, resolve(configDir, '..', 'models'));
});

test('the error message lists one violation per line', () => {
  try {
    loadConfig({ overrides: { ...minimal(), http: { port: -1 }, log: { level: 'x' } } });
    assert.fail('expected a failure');
  } catch (err) {
    assert.ok(isScorerError(err, 'SCORER_ERR_CONFIG'));
    const lines = err.message.split('\n');
    assert.match(lines[0] ?? '', /2 problems/);
    assert.deepEqual(lines.slice(1), [
      '  http.port: must be an integer between 0 and 65535 (got -1)',
      '  log.level: must be one of "fatal", "error", "warn", "info", "debug", "trace", "silent" (got "x")',
    ]);
  }
});
