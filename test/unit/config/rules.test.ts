import assert from 'node:assert/strict';
import { isAbsolute } from 'node:path';
import { test } from 'node:test';
import { loadConfig } from '../../../src/config/load.ts';
import { minimal, violationAt, violationsOf } from './support.ts';

const reject = (overrides: Record<string, unknown>) => violationsOf(() => loadConfig({ overrides: { ...minimal(), ...overrides } }));

test('Avro anywhere requires schemaRegistry.url', () => {
  const violations = reject({
    inputs: [
      { topic: 'a', format: 'json', model: 'fraud' },
      { topic: 'b', format: 'avro', model: 'fraud' },
    ],
    output: { topic: 'predictions', format: 'avro' },
  });
  assert.equal(violationAt(violations, 'schemaRegistry.url'), 'is required because avro is used by inputs[1], output');
  const config = loadConfig({
    overrides: { ...minimal(), output: { topic: 'predictions' }, schemaRegistry: { url: 'https://r.example:8081' } },
  });
  assert.equal(config.output.format, 'avro');
});

test('at least one input or flow, and one served model', () => {
  const violations = reject({ inputs: [], models: { serve: [] } });
  assert.equal(violationAt(violations, 'inputs'), 'must have at least 1 entry when flows has none');
  assert.equal(violationAt(violations, 'models.serve'), 'must have at least 1 entry');
  assert.equal(
    violationAt(
      violationsOf(() => loadConfig({})),
      'inputs',
    ),
    'must have at least 1 entry when flows has none',
  );
});

test("each input's model must be served", () => {
  const violations = reject({ inputs: [{ topic: 'payments', format: 'json', model: 'churn' }] });
  assert.equal(violationAt(violations, 'inputs[0].model'), 'must name a model in models.serve (fraud) (got "churn")');
});

test('partitionBudget may not exceed globalBudget', () => {
  const violations = reject({ backpressure: { globalBudget: 100, partitionBudget: 101 } });
  assert.match(violationAt(violations, 'backpressure.partitionBudget'), /^must be at most backpressure\.globalBudget \(100\)/);
  assert.equal(loadConfig({ overrides: { ...minimal(), backpressure: { globalBudget: 100, partitionBudget: 100 } } }).backpressure.partitionBudget, 100);
});

test('resumeRatio lies strictly between 0 and 1', () => {
  for (const resumeRatio of [0, 1, 1.5]) {
    const violations = reject({ backpressure: { resumeRatio } });
    assert.equal(violationAt(violations, 'backpressure.resumeRatio'), `must be a number > 0 and < 1 (got ${resumeRatio})`);
  }
});

test('the heartbeat interval stays below the session timeout', () => {
  const violations = reject({ kafka: { consumer: { sessionTimeoutMs: 6000, heartbeatIntervalMs: 6000 } } });
  assert.match(violationAt(violations, 'kafka.consumer.heartbeatIntervalMs'), /^must be below kafka\.consumer\.sessionTimeoutMs/);
});

test('topic names follow Kafka rules', () => {
  const legal = 'a'.repeat(249);
  assert.equal(loadConfig({ overrides: { ...minimal(), output: { topic: 'x', format: 'json' }, deadLetter: { topic: legal } } }).deadLetter.topic, legal);
  for (const bad of ['has space', 'a/b', '.', '..', '', 'a'.repeat(250)]) {
    const violations = reject({ output: { topic: bad, format: 'json' }, deadLetter: { topic: 'dlq' } });
    assert.match(violationAt(violations, 'output.topic'), /^must be a Kafka topic name/, bad);
  }
});

test('a derived dead-letter topic is checked too', () => {
  const violations = reject({ output: { topic: 'p'.repeat(247), format: 'json' } });
  assert.deepEqual(
    violations.map((v) => v.path),
    ['deadLetter.topic'],
  );
  assert.match(violationAt(violations, 'deadLetter.topic'), /derived default <output\.topic>\.dlq/);
});

test('output and dead-letter topics differ from the inputs and from each other', () => {
  const same = reject({ output: { topic: 'payments', format: 'json' }, deadLetter: { topic: 'payments' } });
  assert.equal(violationAt(same, 'output.topic'), 'must differ from every input topic (got "payments"; same as inputs[0].topic)');
  assert.match(violationAt(same, 'deadLetter.topic'), /must differ from every input topic/);
  const clash = reject({ deadLetter: { topic: 'predictions' } });
  assert.equal(violationAt(clash, 'deadLetter.topic'), 'must differ from output.topic (got "predictions")');
});

test('input topics are unique; a served model is served at each version once', () => {
  const violations = reject({
    models: { serve: [{ name: 'fraud' }, { name: 'fraud', version: 2 }, { name: 'fraud', version: 2 }, { name: 'fraud' }] },
    inputs: [
      { topic: 'payments', format: 'json', model: 'fraud' },
      { topic: 'payments', format: 'json', model: 'fraud' },
    ],
  });
  assert.equal(violationAt(violations, 'inputs[1].topic'), 'duplicates inputs[0] (got "payments")');
  assert.equal(violationAt(violations, 'models.serve[2]'), 'duplicates models.serve[1] (got {"name":"fraud","version":2})');
  assert.equal(violationAt(violations, 'models.serve[3]'), 'duplicates models.serve[0] (got {"name":"fraud"})');
  assert.equal(violations.length, 3, JSON.stringify(violations));
});

test("a plain input's model is ambiguous when models.serve lists two versions of it", () => {
  const violations = reject({
    models: {
      serve: [
        { name: 'fraud', version: 1 },
        { name: 'fraud', version: 2 },
      ],
    },
  });
  assert.equal(violationAt(violations, 'inputs[0].model'), 'is ambiguous: models.serve lists fraud@1, fraud@2; write "fraud@<version>" (got "fraud")');
});

test('registry credentials come in pairs', () => {
  const violations = reject({ schemaRegistry: { url: 'http://r:8081', username: 'u' } });
  assert.equal(violationAt(violations, 'schemaRegistry.password'), 'is required when the other credential is set');
});

test('a rule stays quiet about a setting that already failed its own check', () => {
  const violations = reject({ inputs: [{ topic: 'payments', format: 'json', model: '' }] });
  assert.deepEqual(violations, [{ path: 'inputs[0].model', message: 'must be a non-empty string (got "")' }]);
});

test('a SASL password comes from exactly one place; a client key needs its certificate', () => {
  const sasl = (extra: object) => ({ kafka: { sasl: { mechanism: 'plain', username: 'u', ...extra } } });
  assert.equal(violationAt(reject(sasl({})), 'kafka.sasl.password'), 'or kafka.sasl.passwordFile is required');
  assert.equal(violationAt(reject(sasl({ password: 'p', passwordFile: '/p' })), 'kafka.sasl.password'), 'and kafka.sasl.passwordFile are mutually exclusive');
  assert.equal(
    violationAt(reject({ kafka: { tls: { keyFile: '/k.pem' } } }), 'kafka.tls.certFile'),
    'is required when the other of certFile and keyFile is set',
  );
  assert.equal(violationAt(reject({ kafka: { tls: { keyPassword: 'x' } } }), 'kafka.tls.keyPassword'), 'needs kafka.tls.keyFile');
  const config = loadConfig({ overrides: { ...minimal(), ...sasl({ passwordFile: 'secret/p' }) } });
  assert.match(config.kafka.sasl?.passwordFile ?? '', /^\/.*secret\/p$/, 'file settings resolve to absolute paths');
});

test('the group protocol defaults to the best the client has; kafkajs refuses cooperative and static membership, naming itself', () => {
  assert.equal(loadConfig({ overrides: minimal() }).kafka.groupProtocol, 'cooperative');
  assert.equal(loadConfig({ overrides: { ...minimal(), kafka: { client: 'kafkajs' } } }).kafka.groupProtocol, 'classic');
  assert.equal(loadConfig({ overrides: { ...minimal(), kafka: { groupProtocol: 'classic' } } }).kafka.groupProtocol, 'classic');
  const cooperative = reject({ kafka: { client: 'kafkajs', groupProtocol: 'cooperative' } });
  assert.match(violationAt(cooperative, 'kafka.groupProtocol'), /^is not supported by kafka\.client kafkajs: .*classic eager/);
  const instance = reject({ kafka: { client: 'kafkajs', groupInstanceId: 'scorer-0' } });
  assert.match(violationAt(instance, 'kafka.groupInstanceId'), /^is not supported by kafka\.client kafkajs: .*no static membership/);
  assert.equal(loadConfig({ overrides: { ...minimal(), kafka: { groupInstanceId: 'scorer-0' } } }).kafka.groupInstanceId, 'scorer-0');
  assert.equal(loadConfig({ overrides: minimal() }).kafka.groupInstanceId, undefined);
  assert.match(violationAt(reject({ kafka: { groupInstanceId: 'pod 0' } }), 'kafka.groupInstanceId'), /^must be a group instance id/);
});

test('the group instance id comes from SCORER_KAFKA__GROUP_INSTANCE_ID, e.g. the pod name', () => {
  const config = loadConfig({ overrides: minimal(), env: { SCORER_KAFKA__GROUP_INSTANCE_ID: 'stream-scorer-2' } });
  assert.equal(config.kafka.groupInstanceId, 'stream-scorer-2');
});

test('the revocation budget ends before the group would give up on the member', () => {
  assert.equal(loadConfig({ overrides: minimal() }).kafka.consumer.revocationBudgetMs, 10_000);
  const session = reject({ kafka: { consumer: { sessionTimeoutMs: 10_000, heartbeatIntervalMs: 1000, revocationBudgetMs: 9000 } } });
  assert.match(violationAt(session, 'kafka.consumer.revocationBudgetMs'), /^must be below sessionTimeoutMs - heartbeatIntervalMs \(9000\)/);
  const rebalance = reject({ kafka: { consumer: { rebalanceTimeoutMs: 8000, revocationBudgetMs: 8000 } } });
  assert.match(violationAt(rebalance, 'kafka.consumer.revocationBudgetMs'), /^must be below kafka\.consumer\.rebalanceTimeoutMs \(8000\)/);
});

test('unset, the revocation budget shrinks to fit short group timeouts instead of refusing them', () => {
  const budget = (consumer: Record<string, number>) => loadConfig({ overrides: { ...minimal(), kafka: { consumer } } }).kafka.consumer.revocationBudgetMs;
  assert.equal(budget({ sessionTimeoutMs: 6000, heartbeatIntervalMs: 1000 }), 3750);
  assert.equal(budget({ rebalanceTimeoutMs: 8000 }), 6000);
  assert.equal(budget({ sessionTimeoutMs: 45_000 }), 10_000);
});

test('delivery defaults to at-least-once; exactly-once is refused on kafkajs, naming why, and taken on platformatic', () => {
  const { delivery } = loadConfig({ overrides: minimal() });
  assert.deepEqual(delivery, { guarantee: 'at-least-once', transaction: { maxRecords: 5000, intervalMs: 100, timeoutMs: 10000 } });
  const refused = reject({ kafka: { client: 'kafkajs' }, delivery: { guarantee: 'exactly-once' } });
  assert.match(violationAt(refused, 'delivery.guarantee'), /^is not supported by kafka\.client kafkajs: .*no KIP-447 fencing.*use kafka\.client: platformatic/);
  const taken = loadConfig({ overrides: { ...minimal(), delivery: { guarantee: 'exactly-once', transaction: { id: 'scorer-0', intervalMs: 0 } } } });
  assert.equal(taken.delivery.guarantee, 'exactly-once');
  assert.deepEqual(taken.delivery.transaction, { id: 'scorer-0', maxRecords: 5000, intervalMs: 0, timeoutMs: 10000 });
});

test('admin: one of token and tokenFile, a token of at least 16 characters, never repeated in the message', () => {
  assert.equal(violationAt(reject({ admin: { token: 'short-secret' } }), 'admin.token'), 'must be at least 16 characters (not shown: it is a secret)');
  assert.equal(
    violationAt(reject({ admin: { token: 'long-enough-secret-token', tokenFile: '/run/token' } }), 'admin.token'),
    'and admin.tokenFile are mutually exclusive',
  );
  const config = loadConfig({ overrides: { ...minimal(), admin: { tokenFile: 'token.txt' } } });
  assert.match(config.admin.tokenFile ?? '', /^\/.*token\.txt$/, 'a relative tokenFile resolves like every path setting');
  assert.deepEqual([config.models.watch, config.models.watchIntervalMs], [false, 1000]);
});

test('the feature log needs the schema registry and a topic of its own', () => {
  assert.equal(
    violationAt(reject({ featureLog: { topic: 'features' } }), 'schemaRegistry.url'),
    'is required because featureLog writes Avro through the registry',
  );
  const registry = { schemaRegistry: { url: 'https://r.example:8081' } };
  for (const [topic, same] of [
    ['payments', 'inputs[0].topic'],
    ['predictions', 'output.topic'],
    ['predictions.dlq', 'deadLetter.topic'],
  ] as const) {
    assert.equal(
      violationAt(reject({ ...registry, featureLog: { topic } }), 'featureLog.topic'),
      `must be a topic of its own, not an input, prediction or dead-letter topic (got "${topic}"; same as ${same})`,
    );
  }
  const config = loadConfig({ overrides: { ...minimal(), ...registry, featureLog: { topic: 'features' } } });
  assert.equal(config.featureLog?.topic, 'features');
  assert.ok(isAbsolute(config.featureLog?.schemaFile ?? '') && config.featureLog?.schemaFile.endsWith('schemas/feature-log.avsc'), 'resolved like every path');
  assert.deepEqual(loadConfig({ overrides: minimal() }).drift, { windowMs: 300000, buckets: 10, minEvents: 500 });
});
