/**
 * Rules that relate several settings. They run on the filled tree even when some fields are invalid,
 * and each one looks only at values that passed their own checks (Violations.ok), so one typo yields
 * one message, not a cascade.
 */
import { ENRICH_RULES } from './enrich-rules.ts';
import { FLOW_RULES } from './flow-rules.ts';
import { servedModels, servedNameProblem } from './model-refs.ts';
import { at, entries, inputSettings, mapping, type Rule, type Tree } from './rule-tree.ts';
import type { Violations } from './violations.ts';

const avroNeedsRegistry: Rule = (config, violations) => {
  const users = inputSettings(config)
    .filter((input) => input.format === 'avro')
    .map((input) => input.path);
  if (at(config, 'output.format') === 'avro') users.push('output');
  if (users.length > 0 && config['schemaRegistry'] === undefined && violations.ok('schemaRegistry')) {
    violations.add('schemaRegistry.url', `is required because avro is used by ${users.join(', ')}`);
  }
};

/** A plain input's model is a name: its lane is looked up by name, so the name must be served at one version. */
const inputModelsAreServed: Rule = (config, violations) => {
  if (!violations.ok('models.serve')) return;
  const served = servedModels(config);
  entries(config['inputs']).forEach((input, i) => {
    const path = `inputs[${i}].model`;
    const problem = violations.ok(path) ? servedNameProblem(input['model'], served) : undefined;
    if (problem !== undefined) violations.addValue(path, problem, input['model']);
  });
};

/** Output and DLQ topics (the flows' outputs too) must not be consumed: the service would score its own output. */
const outputsAreNotInputs: Rule = (config, violations) => {
  const consumed = inputSettings(config);
  const deadLetter = at(config, 'deadLetter.topic');
  const flowOutputs = entries(config['flows']).map((flow, f) => [`flows[${f}].output`, flow['output']] as const);
  const outputs = [['output.topic', at(config, 'output.topic')] as const, ...flowOutputs.filter(([, topic]) => topic !== undefined)];
  for (const [path, topic] of [...outputs, ['deadLetter.topic', deadLetter] as const]) {
    const input = consumed.find((c) => c.topic === topic);
    if (violations.ok(path) && input !== undefined) {
      violations.addValue(path, 'must differ from every input topic', topic, `same as ${input.path}.topic`);
    }
  }
  for (const [path, topic] of outputs) {
    if (violations.ok(path) && violations.ok('deadLetter.topic') && topic === deadLetter) {
      violations.addValue('deadLetter.topic', `must differ from ${path}`, deadLetter);
    }
  }
};

/**
 * The feature log is Avro through the registry, on a topic of its own: never one the service consumes,
 * a prediction topic (whose consumers would read feature-log records as predictions) or the DLQ.
 */
const featureLogApart: Rule = (config, violations) => {
  const topic = at(config, 'featureLog.topic');
  if (topic === undefined || !violations.ok('featureLog.topic')) return;
  if (config['schemaRegistry'] === undefined && violations.ok('schemaRegistry')) {
    violations.add('schemaRegistry.url', 'is required because featureLog writes Avro through the registry');
  }
  const flows = entries(config['flows']);
  const others: [string, unknown][] = [
    ...inputSettings(config).map((input): [string, unknown] => [`${input.path}.topic`, input.topic]),
    ['output.topic', at(config, 'output.topic')],
    ['deadLetter.topic', at(config, 'deadLetter.topic')],
    ...flows.map((flow, f): [string, unknown] => [`flows[${f}].output`, flow['output']]),
    ...flows.flatMap((flow, f) => entries(flow['shadow']).map((s, i): [string, unknown] => [`flows[${f}].shadow[${i}].topic`, s['topic']])),
  ];
  const clash = others.find(([, other]) => other === topic);
  if (clash !== undefined)
    violations.addValue('featureLog.topic', 'must be a topic of its own, not an input, prediction or dead-letter topic', topic, `same as ${clash[0]}`);
};

/** The setting at `small` must stay below (or at) the one at `large`. */
const bounded =
  (small: string, large: string, strict: boolean, why: string): Rule =>
  (config, violations) => {
    const a = at(config, small);
    const b = at(config, large);
    if (!violations.ok(small) || !violations.ok(large) || typeof a !== 'number' || typeof b !== 'number') return;
    if (strict ? a >= b : a > b) {
      violations.addValue(small, `must be ${strict ? 'below' : 'at most'} ${large} (${b})`, a, why);
    }
  };

const credentialsInPairs: Rule = (config, violations) => {
  const registry = config['schemaRegistry'];
  if (registry === undefined || !violations.ok('schemaRegistry')) return;
  const { username, password } = mapping(registry);
  if ((username === undefined) !== (password === undefined)) {
    const missing = username === undefined ? 'username' : 'password';
    violations.add(`schemaRegistry.${missing}`, 'is required when the other credential is set');
  }
};

/** Exactly one source for the SASL password; a client key needs its certificate and the other way round. */
const kafkaSecrets: Rule = (config, violations) => {
  const sasl = at(config, 'kafka.sasl');
  if (sasl !== undefined && violations.ok('kafka.sasl')) {
    const { password, passwordFile } = mapping(sasl);
    if ((password === undefined) === (passwordFile === undefined)) {
      const problem = password === undefined ? 'or kafka.sasl.passwordFile is required' : 'and kafka.sasl.passwordFile are mutually exclusive';
      violations.add('kafka.sasl.password', problem);
    }
  }
  const tls = at(config, 'kafka.tls');
  if (tls !== undefined && violations.ok('kafka.tls')) {
    const { certFile, keyFile, keyPassword } = mapping(tls);
    if ((certFile === undefined) !== (keyFile === undefined)) {
      violations.add(`kafka.tls.${certFile === undefined ? 'certFile' : 'keyFile'}`, 'is required when the other of certFile and keyFile is set');
    }
    if (keyPassword !== undefined && keyFile === undefined) violations.add('kafka.tls.keyPassword', 'needs kafka.tls.keyFile');
  }
};

/** Admin tokens shorter than this are refused: a bearer token is the only thing guarding model changes. */
export const MIN_ADMIN_TOKEN_LENGTH = 16;

/**
 * One source for the admin token, when there is one (two would leave which one counts to guesswork),
 * and long enough. The message never repeats the token: it is a secret.
 */
const adminToken: Rule = (config, violations) => {
  if (!violations.ok('admin')) return;
  const { token, tokenFile } = mapping(at(config, 'admin'));
  if (token !== undefined && tokenFile !== undefined) violations.add('admin.token', 'and admin.tokenFile are mutually exclusive');
  else if (typeof token === 'string' && token.trim().length < MIN_ADMIN_TOKEN_LENGTH) {
    violations.add('admin.token', `must be at least ${MIN_ADMIN_TOKEN_LENGTH} characters (not shown: it is a secret)`);
  }
};

/**
 * What each Kafka client can do about group membership (the README's client table): a setting the chosen
 * client lacks stops start-up naming the client, rather than being silently ignored.
 */
const clientSupportsMembership: Rule = (config, violations) => {
  if (!violations.ok('kafka.client') || at(config, 'kafka.client') !== 'kafkajs') return;
  if (violations.ok('kafka.groupProtocol') && at(config, 'kafka.groupProtocol') === 'cooperative') {
    violations.addValue(
      'kafka.groupProtocol',
      'is not supported by kafka.client kafkajs: kafkajs 2.2.4 has only the classic eager protocol; set kafka.groupProtocol: classic, or use kafka.client: platformatic',
      'cooperative',
    );
  }
  if (violations.ok('kafka.groupInstanceId') && at(config, 'kafka.groupInstanceId') !== undefined) {
    violations.addValue(
      'kafka.groupInstanceId',
      'is not supported by kafka.client kafkajs: kafkajs 2.2.4 has no static membership (its consumer sends no group.instance.id); remove it, or use kafka.client: platformatic',
      at(config, 'kafka.groupInstanceId'),
    );
  }
};

/**
 * Exactly-once needs what kafkajs 2.2.4 lacks (tulios/kafkajs#430, #296, #1315): KIP-447 fencing in
 * TxnOffsetCommit, a revocation it waits for, and require_stable on OffsetFetch. One transactional
 * producer per input partition (Kafka Streams before KIP-447) would fence, but not mend the other two.
 */
const clientSupportsExactlyOnce: Rule = (config, violations) => {
  if (!violations.ok('kafka.client') || !violations.ok('delivery.guarantee')) return;
  if (at(config, 'kafka.client') === 'kafkajs' && at(config, 'delivery.guarantee') === 'exactly-once') {
    violations.addValue(
      'delivery.guarantee',
      'is not supported by kafka.client kafkajs: kafkajs 2.2.4 commits transactional offsets without the group generation (no KIP-447 fencing), does not wait for revocations and reads committed offsets without require_stable, so a replica that lost its partitions could still commit output for them and a new owner could start below a committed transaction; use kafka.client: platformatic, or delivery.guarantee: at-least-once',
      'exactly-once',
    );
  }
};

/**
 * The revocation budget must end well before the group gives up on the member: the platformatic adapter
 * sends no heartbeats while a revocation runs, so it stops waiting at sessionTimeoutMs - heartbeatIntervalMs,
 * and the coordinator waits for a rejoin at most rebalanceTimeoutMs.
 */
const revocationWithinGroupTimeouts: Rule = (config, violations) => {
  const path = 'kafka.consumer.revocationBudgetMs';
  const paths = [path, 'kafka.consumer.sessionTimeoutMs', 'kafka.consumer.heartbeatIntervalMs', 'kafka.consumer.rebalanceTimeoutMs'];
  if (!paths.every((p) => violations.ok(p))) return;
  const [budget, session, heartbeat, rebalance] = paths.map((p) => at(config, p));
  if (typeof budget !== 'number' || typeof session !== 'number' || typeof heartbeat !== 'number' || typeof rebalance !== 'number') return;
  const bound = Math.min(session - heartbeat, rebalance);
  if (budget >= bound) {
    const which = bound === rebalance ? `kafka.consumer.rebalanceTimeoutMs (${rebalance})` : `sessionTimeoutMs - heartbeatIntervalMs (${session - heartbeat})`;
    violations.addValue(path, `must be below ${which}`, budget, 'the group would give up on the member before its revocation ends');
  }
};

const RULES: readonly Rule[] = [
  featureLogApart,
  clientSupportsMembership,
  clientSupportsExactlyOnce,
  revocationWithinGroupTimeouts,
  avroNeedsRegistry,
  inputModelsAreServed,
  outputsAreNotInputs,
  credentialsInPairs,
  kafkaSecrets,
  adminToken,
  bounded('backpressure.partitionBudget', 'backpressure.globalBudget', false, 'one partition cannot hold more than all'),
  bounded('kafka.consumer.heartbeatIntervalMs', 'kafka.consumer.sessionTimeoutMs', true, 'a healthy member would be evicted'),
  ...FLOW_RULES,
  ...ENRICH_RULES,
];

export function applyRules(config: Tree, violations: Violations): void {
  for (const rule of RULES) rule(config, violations);
}
