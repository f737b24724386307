/**
 * Rules that relate several settings. They run on the filled tree even when some fields are invalid,
 * and each one looks only at values that passed their own checks (Violations.ok), so one typo yields
 * one message, not a cascade.
 */
import { isMapping } from './tree.ts';
import type { Violations } from './violations.ts';

type Tree = Record<string, unknown>;
type Rule = (config: Tree, violations: Violations) => void;

const mapping = (value: unknown): Tree => (isMapping(value) ? value : {});
const entries = (value: unknown): Tree[] => (Array.isArray(value) ? value.map(mapping) : []);
const at = (config: Tree, path: string): unknown => path.split('.').reduce<unknown>((node, key) => mapping(node)[key], config);

const avroNeedsRegistry: Rule = (config, violations) => {
  const users = entries(config['inputs'])
    .map((input, i) => (input['format'] === 'avro' ? `inputs[${i}]` : undefined))
    .filter((user) => user !== undefined);
  if (at(config, 'output.format') === 'avro') users.push('output');
  if (users.length > 0 && config['schemaRegistry'] === undefined && violations.ok('schemaRegistry')) {
    violations.add('schemaRegistry.url', `is required because avro is used by ${users.join(', ')}`);
  }
};

const inputModelsAreServed: Rule = (config, violations) => {
  if (!violations.ok('models.serve')) return;
  const served = entries(at(config, 'models.serve')).map((model) => model['name']);
  entries(config['inputs']).forEach((input, i) => {
    const path = `inputs[${i}].model`;
    if (violations.ok(path) && !served.includes(input['model'])) {
      violations.addValue(path, `must name a model in models.serve (${served.join(', ')})`, input['model']);
    }
  });
};

/** Output and DLQ topics must not be consumed: the service would score its own output. */
const outputsAreNotInputs: Rule = (config, violations) => {
  const inputs = entries(config['inputs']).map((input) => input['topic']);
  const output = at(config, 'output.topic');
  const deadLetter = at(config, 'deadLetter.topic');
  for (const [path, topic] of [
    ['output.topic', output],
    ['deadLetter.topic', deadLetter],
  ] as const) {
    const i = inputs.indexOf(topic);
    if (violations.ok(path) && i >= 0) {
      violations.addValue(path, 'must differ from every input topic', topic, `same as inputs[${i}].topic`);
    }
  }
  if (violations.ok('output.topic') && violations.ok('deadLetter.topic') && output === deadLetter) {
    violations.addValue('deadLetter.topic', 'must differ from output.topic', deadLetter);
  }
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
  clientSupportsMembership,
  clientSupportsExactlyOnce,
  revocationWithinGroupTimeouts,
  avroNeedsRegistry,
  inputModelsAreServed,
  outputsAreNotInputs,
  credentialsInPairs,
  kafkaSecrets,
  bounded('backpressure.partitionBudget', 'backpressure.globalBudget', false, 'one partition cannot hold more than all'),
  bounded('kafka.consumer.heartbeatIntervalMs', 'kafka.consumer.sessionTimeoutMs', true, 'a healthy member would be evicted'),
];

export function applyRules(config: Tree, violations: Violations): void {
  for (const rule of RULES) rule(config, violations);
}
