/**
 * Every setting of ScorerConfig: type, range, default and one line of documentation.
 * config/example.yaml is the user-facing rendering of this file; a unit test keeps the two in step.
 */
import { availableParallelism } from 'node:os';
import { bool, int, list, num, oneOf, type ShapeOf, str } from './dsl.ts';
import { experimentsSchema, flowsSchema } from './flow-schema.ts';
import { FORMATS, MODEL_NAME, name, TOPIC_PATTERN, topic } from './nodes.ts';
import type { ScorerConfig } from './types.ts';

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

const ms = (doc: string, dflt: number, min = 1) => int({ doc, default: dflt, min });

/** The value at `path` in a configuration being filled, or undefined. */
const setting = (root: Readonly<Record<string, unknown>>, ...path: string[]): unknown =>
  path.reduce<unknown>((node, key) => (typeof node === 'object' && node !== null ? (node as Record<string, unknown>)[key] : undefined), root);

const kafkaClient = (root: Readonly<Record<string, unknown>>): unknown => setting(root, 'kafka', 'client');

/**
 * 10 s, unless the group timeouts leave less: the platformatic adapter sends no heartbeats while a
 * revocation runs, so the budget must end before sessionTimeoutMs - heartbeatIntervalMs (and before
 * rebalanceTimeoutMs); three quarters of that bound leaves the commit and the rejoin time to land. So a
 * short session (6 s, say) needs no budget of its own.
 */
const revocationBudget = (root: Readonly<Record<string, unknown>>): number | undefined => {
  const [session, heartbeat, rebalance] = ['sessionTimeoutMs', 'heartbeatIntervalMs', 'rebalanceTimeoutMs'].map((k) => setting(root, 'kafka', 'consumer', k));
  if (typeof session !== 'number' || typeof heartbeat !== 'number' || typeof rebalance !== 'number') return undefined;
  return Math.min(10000, Math.max(1, Math.floor(Math.min(session - heartbeat, rebalance) * 0.75)));
};

export const configSchema: ShapeOf<ScorerConfig> = {
  kind: 'object',
  fields: {
    kafka: {
      kind: 'object',
      fields: {
        client: oneOf(['platformatic', 'kafkajs'], {
          doc: 'Kafka client library: platformatic (@platformatic/kafka) or kafkajs',
          default: 'platformatic',
        }),
        brokers: list(
          str({
            doc: 'A bootstrap broker',
            pattern: /^(\[[0-9A-Fa-f:.]+\]|[^\s:[\]/]+):\d{1,5}$/,
            hint: 'must be host:port',
          }),
          { doc: 'Bootstrap brokers, host:port', default: ['localhost:9092'], minItems: 1 },
        ),
        clientId: name('Kafka client id, shown in broker logs and quotas', { default: 'stream-scorer' }),
        groupId: name('Consumer group id; replicas that share it share the partitions', {
          default: 'stream-scorer',
        }),
        groupProtocol: oneOf(['classic', 'cooperative'], {
          doc: 'Rebalance protocol: cooperative (only moved partitions are revoked; platformatic) or classic (eager)',
          derive: (root) => (kafkaClient(root) === 'kafkajs' ? 'classic' : 'cooperative'),
          defaultDoc: 'cooperative on platformatic, classic on kafkajs',
        }),
        groupInstanceId: str({
          doc: 'Static membership (KIP-345): a stable id per replica, e.g. the pod name; absent: dynamic (platformatic only)',
          optional: true,
          pattern: TOPIC_PATTERN,
          hint: "must be a group instance id (letters, digits, '.', '_', '-'; 1 to 249 characters)",
        }),
        connectionTimeoutMs: ms('Time to establish a broker connection', 10000),
        requestTimeoutMs: ms('Time to wait for a broker response', 30000),
        tls: {
          kind: 'object',
          optional: true,
          doc: 'TLS to the brokers (SSL or SASL_SSL listeners); absent: plaintext',
          fields: {
            enabled: bool({ doc: 'Use TLS; false keeps the section but connects in plaintext', default: true }),
            caFile: str({ doc: "PEM file of the CAs that sign the brokers' certificates; absent: the system CAs", optional: true }),
            certFile: str({ doc: 'PEM client certificate, for mutual TLS', optional: true }),
            keyFile: str({ doc: 'PEM private key of certFile', optional: true }),
            keyPassword: str({ doc: 'Passphrase of an encrypted keyFile (shown as *** by `check`)', optional: true }),
            checkHostname: bool({ doc: "Check that a broker's certificate names the host connected to", default: true }),
          },
        },
        sasl: {
          kind: 'object',
          optional: true,
          doc: 'SASL authentication to the brokers; absent: none',
          fields: {
            mechanism: oneOf(['plain', 'scram-sha-256', 'scram-sha-512'], { doc: 'SASL mechanism' }),
            username: name('SASL user'),
            password: str({ doc: 'SASL password (shown as *** by `check`); or passwordFile', optional: true }),
            passwordFile: str({ doc: 'File holding the SASL password, e.g. a mounted secret', optional: true }),
          },
        },
        consumer: {
          kind: 'object',
          fields: {
            sessionTimeoutMs: ms('The group evicts a member silent for this long', 30000),
            rebalanceTimeoutMs: ms('Time members get to rejoin during a rebalance', 60000),
            heartbeatIntervalMs: ms('Target interval between heartbeats; a member learns of a rebalance at its next one', 1000),
            revocationBudgetMs: int({
              doc: 'Planned rebalance: time to finish and commit the work of partitions given up',
              min: 1,
              derive: revocationBudget,
              defaultDoc: '10000, or 3/4 of min(sessionTimeoutMs - heartbeatIntervalMs, rebalanceTimeoutMs) when less',
            }),
            maxBytesPerPartition: int({
              doc: "Caps one partition's fetch; sets the headroom above the partition budget",
              default: 1048576,
              min: 1,
            }),
            maxBytes: int({ doc: 'Caps one fetch response', default: 10485760, min: 1 }),
            maxWaitTimeMs: ms('Longest the broker holds a fetch waiting for data', 100, 0),
            fromBeginning: bool({
              doc: 'Where a group with no committed offset starts (false: the latest offset)',
              default: true,
            }),
          },
        },
        producer: {
          kind: 'object',
          fields: {
            compression: oneOf(['none', 'gzip'], { doc: 'Compression of produced batches', default: 'none' }),
          },
        },
      },
    },
    schemaRegistry: {
      kind: 'object',
      optional: true,
      doc: 'Confluent-compatible schema registry; required when any input or the output uses Avro',
      fields: {
        url: str({ doc: 'Registry base URL', pattern: /^https?:\/\/\S+$/, hint: 'must be an http(s) URL' }),
        username: str({ doc: 'Basic-auth user', optional: true }),
        password: str({ doc: 'Basic-auth password (shown as *** by `check`)', optional: true }),
      },
    },
    models: {
      kind: 'object',
      fields: {
        repository: name('Directory of <model>/<version>/{model.onnx,config.yaml}', { default: './models' }),
        serve: list(
          {
            kind: 'object',
            fields: {
              name: name('Model directory name under the repository', {
                pattern: MODEL_NAME,
                hint: "must be a directory name (letters, digits, '.', '_', '-')",
              }),
              version: int({ doc: 'Version directory; omitted: the highest on disk', min: 1, optional: true }),
            },
          },
          { doc: 'The models to load; one name may be served at several versions', minItems: 1, uniqueBy: ['name', 'version'] },
        ),
        watch: bool({
          doc: 'Hot reload: load a new version directory of a model served without a version once its files are complete and stable',
          default: false,
        }),
        watchIntervalMs: int({
          doc: 'How often the repository is polled; a new version must be unchanged for this long before it loads',
          default: 1000,
          min: 50,
        }),
      },
    },
    admin: {
      kind: 'object',
      fields: {
        token: str({
          doc: 'Bearer token of the admin endpoints (POST /models/...; shown as *** by `check`); absent with tokenFile: they are disabled',
          optional: true,
        }),
        tokenFile: str({ doc: 'File holding the admin bearer token, e.g. a mounted secret; or token', optional: true }),
      },
    },
    inputs: list(
      {
        kind: 'object',
        fields: {
          topic: topic('Input topic'),
          format: oneOf(FORMATS, { doc: 'Encoding of record values' }),
          model: name('Name of the served model that scores this topic'),
        },
      },
      // Empty when flows consume every topic; flow-rules.ts asks for at least one input or flow.
      { doc: 'Topics scored by one model each', default: [], uniqueBy: 'topic' },
    ),
    flows: flowsSchema,
    experiments: experimentsSchema,
    output: {
      kind: 'object',
      fields: {
        topic: topic('Prediction topic'),
        format: oneOf(FORMATS, { doc: 'Encoding of predictions', default: 'avro' }),
        schemaFile: name('Avro schema for predictions, registered under <topic>-value', {
          default: './schemas/prediction.avsc',
        }),
      },
    },
    deadLetter: {
      kind: 'object',
      fields: {
        topic: topic('Dead-letter topic for records that cannot be scored', {
          derive: (root) => {
            const out = setting(root, 'output', 'topic');
            return typeof out === 'string' ? `${out}.dlq` : undefined;
          },
          defaultDoc: '<output.topic>.dlq',
        }),
      },
    },
    featureLog: {
      kind: 'object',
      optional: true,
      doc: 'Feature log for training: each prediction with the features its model was fed and its lineage, Avro through the registry',
      fields: {
        topic: topic('Feature-log topic; a topic of its own'),
        schemaFile: name('Avro schema of the feature-log records, registered under <topic>-value', {
          default: './schemas/feature-log.avsc',
        }),
      },
    },
    drift: {
      kind: 'object',
      fields: {
        windowMs: ms('Sliding window of the drift metrics (PSI and missing share per feature)', 300000, 1000),
        buckets: int({ doc: 'Slices of the drift window: it moves by windowMs / buckets', default: 10, min: 1, max: 1000 }),
        minEvents: int({ doc: "Events the window must hold before a model's drift is exported", default: 500, min: 1 }),
      },
    },
    limits: {
      kind: 'object',
      fields: {
        maxRecordBytes: int({ doc: 'Larger record values go to the DLQ as OVERSIZED', default: 1048576, min: 1 }),
        maxStringFeatureLength: int({
          doc: 'Longer string features go to the DLQ as FEATURE_TOO_LONG',
          default: 1024,
          min: 1,
        }),
      },
    },
    batching: {
      kind: 'object',
      fields: {
        maxBatchSize: int({ doc: 'Hard upper bound on rows per inference task', default: 1024, min: 1 }),
        targetBatchMs: num({
          doc: "Compute time one batch may take: the batch cap follows the model's measured batch-time line, at most maxBatchSize",
          default: 10,
          min: 0,
          exclusive: true,
        }),
        maxDelayMs: num({
          doc: 'How long the oldest queued row may wait for more rows when a worker is free',
          default: 2,
          min: 0,
        }),
      },
    },
    backpressure: {
      kind: 'object',
      fields: {
        globalBudget: int({
          doc: 'Uncommitted offsets (buffered + scoring + awaiting ack + acknowledged, not yet committed), all partitions; also bounds duplicates after a crash',
          default: 20000,
          min: 1,
        }),
        partitionBudget: int({ doc: 'Uncommitted offsets for one partition', default: 5000, min: 1 }),
        resumeRatio: num({
          doc: 'Resume when usage falls to this share of the budget',
          default: 0.5,
          min: 0,
          max: 1,
          exclusive: true,
        }),
        minPauseMs: ms('A paused partition stays paused at least this long, so it does not flap', 250, 0),
        isolateLanes: bool({
          doc: 'With several lanes (served models and flows with topics), each holds an equal share of globalBudget and of the worker slots, so a flood for one pauses only the partitions that feed it',
          default: true,
        }),
      },
    },
    commit: {
      kind: 'object',
      fields: {
        intervalMs: ms('How often acknowledged watermarks are committed (at-least-once)', 1000),
        timeoutMs: ms('A commit that has not settled after this is given up on, and the next one is sent (at-least-once)', 5000),
      },
    },
    delivery: {
      kind: 'object',
      fields: {
        guarantee: oneOf(['at-least-once', 'exactly-once'], {
          doc: 'exactly-once: predictions, dead letters and input offsets in one transaction; consumers read with read_committed',
          default: 'at-least-once',
        }),
        transaction: {
          kind: 'object',
          fields: {
            id: str({
              doc: 'Transactional id of this replica: unique among live replicas, best stable across restarts (a StatefulSet pod name)',
              minLength: 1,
              optional: true,
            }),
            maxRecords: int({ doc: 'Most records (predictions and dead letters) in one transaction', default: 5000, min: 1 }),
            intervalMs: int({
              doc: 'A transaction with fewer than maxRecords begins at most this long after the previous one began (0: at once)',
              default: 100,
              min: 0,
            }),
            timeoutMs: ms('The coordinator aborts a transaction open longer than this (what ends one a crashed replica left open)', 10000, 1000),
          },
        },
      },
    },
    inference: {
      kind: 'object',
      fields: {
        threads: int({
          doc: 'Worker threads',
          min: 1,
          derive: () => Math.max(1, availableParallelism() - 1),
          defaultDoc: 'max(1, cores - 1)',
        }),
        maxAttempts: int({ doc: 'Attempts for a batch whose worker died, before bisecting it', default: 3, min: 1 }),
        injectDelayMs: ms('Fault injection for tests and drills: every batch sleeps this long', 0, 0),
      },
    },
    shutdown: {
      kind: 'object',
      fields: { deadlineMs: ms('SIGTERM/SIGINT: finish, produce, commit and leave within this', 30000) },
    },
    tracing: {
      kind: 'object',
      fields: {
        enabled: bool({ doc: 'OpenTelemetry spans and W3C trace context (traceparent) on the outputs; off: headers are not read', default: false }),
        otlpEndpoint: str({
          doc: 'OTLP/HTTP traces URL spans are exported to (e.g. http://collector:4318/v1/traces); absent: spans are made, not exported',
          optional: true,
          pattern: /^https?:\/\/\S+$/,
          hint: 'must be an http(s) URL',
        }),
        samplingRatio: num({ doc: 'Share of records without an incoming trace context that start a sampled trace', default: 0.01, min: 0, max: 1 }),
        serviceName: name('service.name of the exported spans', { default: 'stream-scorer' }),
      },
    },
    http: {
      kind: 'object',
      fields: {
        port: int({ doc: '/metrics, /healthz, /readyz; 0 disables the server', default: 9464, min: 0, max: 65535 }),
        host: name('Interface the HTTP server listens on', { default: '0.0.0.0' }),
      },
    },
    log: {
      kind: 'object',
      fields: { level: oneOf(LOG_LEVELS, { doc: 'Lowest level written', default: 'info' }) },
    },
  },
};
