/**
 * The shape of a validated, frozen configuration. Defaults live beside the schema in schema.ts;
 * every field here is present after loading (optional ones are marked so).
 */

export type Format = 'avro' | 'json';

export type KafkaClientName = 'kafkajs' | 'platformatic';

export type DeliveryGuarantee = 'at-least-once' | 'exactly-once';

export type SaslMechanism = 'plain' | 'scram-sha-256' | 'scram-sha-512';

/**
 * How the group hands partitions over on the classic protocol: `classic` is eager (every member gives up
 * everything, then partitions are dealt out again); `cooperative` is incremental (KIP-429, the
 * cooperative-sticky assignor: only partitions that move are revoked). See the README's client table.
 */
export type GroupProtocol = 'classic' | 'cooperative';

export interface KafkaTlsConfig {
  /** @defaultValue true */
  enabled: boolean;
  /** PEM file of the CA certificates that sign the brokers'; absent: the system's trusted CAs. */
  caFile?: string;
  /** PEM client certificate, for brokers that authenticate clients by certificate (mutual TLS). */
  certFile?: string;
  /** PEM private key of certFile. */
  keyFile?: string;
  /** Passphrase of an encrypted keyFile. */
  keyPassword?: string;
  /** Check that a broker's certificate names the host connected to. @defaultValue true */
  checkHostname: boolean;
}

export interface KafkaSaslConfig {
  mechanism: SaslMechanism;
  username: string;
  /** Inline (or from SCORER_KAFKA__SASL__PASSWORD); exactly one of password and passwordFile. */
  password?: string;
  /** A file holding the password (a mounted secret); trailing newlines are ignored. */
  passwordFile?: string;
}

export interface KafkaConfig {
  /** Which client library talks to Kafka. @defaultValue 'platformatic' */
  client: KafkaClientName;
  /** @defaultValue ['localhost:9092'] */
  brokers: readonly string[];
  /** @defaultValue 'stream-scorer' */
  clientId: string;
  /** Consumer group id; replicas that share it share the partitions. @defaultValue 'stream-scorer' */
  groupId: string;
  /** Rebalance protocol. @defaultValue 'cooperative' on platformatic, 'classic' on kafkajs */
  groupProtocol: GroupProtocol;
  /**
   * Static membership (KIP-345): a stable id per replica (e.g. its pod name), so a restarted replica
   * takes its partitions back without a rebalance. Absent: dynamic membership. platformatic only.
   */
  groupInstanceId?: string;
  /** @defaultValue 10000 */
  connectionTimeoutMs: number;
  /** @defaultValue 30000 */
  requestTimeoutMs: number;
  /** TLS to the brokers; absent: plaintext. */
  tls?: KafkaTlsConfig;
  /** SASL authentication; absent: none. */
  sasl?: KafkaSaslConfig;
  consumer: {
    /** @defaultValue 30000 */
    sessionTimeoutMs: number;
    /** @defaultValue 60000 */
    rebalanceTimeoutMs: number;
    /** A member learns of a rebalance at its next heartbeat: this bounds how long a joining replica waits. @defaultValue 1000 */
    heartbeatIntervalMs: number;
    /**
     * On a planned rebalance, how long work in flight for the partitions given up may take to finish
     * and commit before they are released anyway (what is unfinished then is replayed). @defaultValue 10000
     */
    revocationBudgetMs: number;
    /** Caps one partition's fetch; sets the headroom above the partition budget. @defaultValue 1048576 */
    maxBytesPerPartition: number;
    /** @defaultValue 10485760 */
    maxBytes: number;
    /** @defaultValue 100 */
    maxWaitTimeMs: number;
    /** Where a group with no committed offset starts. @defaultValue true */
    fromBeginning: boolean;
  };
  producer: {
    /** @defaultValue 'none' */
    compression: 'none' | 'gzip';
  };
}

export interface InputTopicConfig {
  topic: string;
  format: Format;
  /** Name of the model (directory under models.repository) that scores this topic. */
  model: string;
}

/**
 * A model as a flow or an experiment names it: "name" (the one version of it that models.serve loads)
 * or "name@version"; in a flow's models and route (not in an experiment's variants), "experiment:<id>"
 * names an experiment instead.
 */
export type ModelRefText = string;

export interface RouteCaseConfig {
  /** The field's, header's or topic's value this case matches (compared as a string). */
  value: string;
  /** What scores a matching record: model refs or "experiment:<id>"; several: fan-out. */
  models: readonly ModelRefText[];
}

export interface FlowRouteConfig {
  /** What picks the models: a decoded field, a record header, or the input topic. */
  by: 'field' | 'header' | 'topic';
  /** The field's dotted path (by field) or the header's name (by header); unused by topic. */
  name?: string;
  cases: readonly RouteCaseConfig[];
  /** Records that match no case; absent: they go to the dead-letter topic as NO_MODEL. */
  default?: readonly ModelRefText[];
}

export interface FlowConfig {
  /** Stamped on every prediction of the flow; a metric label. */
  name: string;
  /** Topics the flow consumes; a topic belongs to one flow or one plain input, never two. */
  inputs: readonly { topic: string; format: Format }[];
  /** "path/to/file.ts#export" (a relative path resolves against the config file's directory); the export defaults to `preprocess`. */
  preprocess?: string;
  /** With no route: the models (or experiments) that score every record (fan-out). */
  models?: readonly ModelRefText[];
  /** Absent: every record goes to `models`. */
  route?: FlowRouteConfig;
  /** "path/to/file.ts#export"; the export defaults to `postprocess`. */
  postprocess?: string;
  /** What answers when a model cannot; absent: its records go to the DLQ as INFERENCE_FAILED. */
  fallback?: FallbackConfig;
  /** Prediction topic of this flow; absent: output.topic. */
  output?: string;
  /** Candidates scored beside routed models, their predictions to side topics; absent: none. */
  shadow?: readonly ShadowConfig[];
  /** A share of one routed model's traffic to a new version, rolled back on a breach; absent: none. */
  canary?: CanaryConfig;
  /** Features looked up in Redis per batch, before the preprocess hook (issue 11); absent: none. */
  enrich?: EnrichConfig;
}

/** One feature an enrichment lookup sets on the event. */
export interface EnrichFieldConfig {
  /** The event field it sets (a stored value wins over one the event carries). */
  name: string;
  /** The hash field (as: hash) or the dotted path in the JSON value (as: json) it is read from. */
  from: string;
  /** What the event field holds: a number (a stored string is parsed) or a string. @defaultValue number */
  type: 'number' | 'string';
  /** Filled when the key, the field or the whole store is missing; absent: the record goes to the DLQ as MISSING_FEATURE. */
  default?: string | number;
}

/** One key per event, built from its fields, and the features read from the value stored there. */
export interface EnrichLookupConfig {
  /** The key template: text with event fields in braces, e.g. "customer:{account_id}". */
  key: string;
  /** How the value is stored: a Redis hash (HMGET of the fields) or a JSON string (MGET). */
  as: 'hash' | 'json';
  fields: readonly EnrichFieldConfig[];
}

export interface EnrichConfig {
  redis: { url: string };
  lookups: readonly EnrichLookupConfig[];
  /** The worker's in-process cache of looked-up values. */
  cache: { ttlMs: number; negativeTtlMs: number; maxEntries: number };
  /** Redis down or slow after the retries: wait (hand the batch back, intake pauses) or score with the defaults, flagged. @defaultValue wait */
  onUnavailable: 'wait' | 'defaults';
  /** One round trip longer than this counts as failed. @defaultValue 200 */
  timeoutMs: number;
  /** Round trips tried again, with backoff, before the batch counts as unavailable. @defaultValue 3 */
  retries: number;
}

/**
 * A shadow candidate (issue 10, part 6): scored on the same decoded records as `of`, after it, its
 * predictions written to `topic` only; shed first when the flow's lane is under pressure.
 */
export interface ShadowConfig {
  /** The routed model it shadows (directly or as an experiment's variant): "name" or "name@version". */
  of: ModelRefText;
  /** The model scored beside it. */
  candidate: ModelRefText;
  /** Where the candidate's predictions go; never a prediction topic of the primary path. */
  topic: string;
}

/**
 * A canary (issue 10, part 6): `percent` of the records routed directly to `of` go to `candidate`
 * instead, allocated by hash like an A/B test; rolled back (0%) once the candidate breaches a bound.
 */
export interface CanaryConfig {
  /** A model the flow routes to directly (not through an experiment). */
  of: ModelRefText;
  candidate: ModelRefText;
  /** Share of `of`'s records that go to the candidate, in percent, > 0 and < 100. */
  percent: number;
  /** Dotted path of the field that keys allocation; absent: the record key. */
  key?: string;
  /** Rolled back when the candidate fails more than this share of its records in the window. @defaultValue 0.05 */
  maxErrorRate: number;
  /** Rolled back when the p99 of its run time per batch in the window is above this; absent: no latency bound. */
  maxP99Ms?: number;
  /** No verdict before the window holds this many of the candidate's records. @defaultValue 200 */
  minRequests: number;
  /** The sliding window the bounds are checked over. @defaultValue 60000 */
  windowMs: number;
}

/**
 * A flow's answer for the records a model could not score: it failed on them, it missed its deadline for
 * the batch, or its circuit is open. A `model` (a heuristic, or the previous version) answers first;
 * the constant answers what that model cannot, or everything when there is no model. Either way the
 * prediction says `fallback: true` and why.
 */
export interface FallbackConfig {
  /** The constant answer's score; with no `model`, required. */
  score?: number;
  /** The constant answer's label; absent: null. */
  label?: string;
  /** A served model that answers instead (e.g. a heuristic, or the previous version). */
  model?: ModelRefText;
  /** A model run longer than this for a batch is answered by the fallback; absent: no deadline. */
  deadlineMs?: number;
  /**
   * Error budget: when at least `errorRate` of a model's last `minBatches`-or-more batches within
   * `windowMs` failed or missed the deadline, its circuit opens for `openMs`: the fallback answers
   * without running it; then one batch tries it again. Absent: no circuit.
   */
  circuit?: { errorRate: number; minBatches: number; windowMs: number; openMs: number };
}

export interface ExperimentConfig {
  id: string;
  /** Dotted path of the field that keys allocation (a user id, say); absent: the record key. */
  key?: string;
  /** At least two; weights are relative. */
  variants: readonly { name: string; model: ModelRefText; weight: number }[];
}

export interface ModelRef {
  name: string;
  /** A version directory; omitted means the highest numeric version on disk. */
  version?: number;
}

export interface ScorerConfig {
  kafka: KafkaConfig;
  /** Required when any input or the output uses Avro. */
  schemaRegistry?: {
    url: string;
    username?: string;
    password?: string;
  };
  models: {
    /** Directory laid out as <repository>/<model>/<version>/{model.onnx,config.yaml}. @defaultValue './models' */
    repository: string;
    /** The models to load. */
    serve: readonly ModelRef[];
    /**
     * Hot reload: poll the repository and load a new version directory of every model served without
     * a version once config.yaml and model.onnx (or hooks.ts) are there and unchanged for
     * watchIntervalMs. @defaultValue false
     */
    watch: boolean;
    /** @defaultValue 1000 */
    watchIntervalMs: number;
  };
  /** The admin endpoints on the HTTP port (POST /models/<name>/load, /rollback). */
  admin: {
    /** Bearer token; at most one of token and tokenFile; neither: the admin endpoints are disabled. */
    token?: string;
    /** A file holding the token (a mounted secret); trailing newlines are ignored. */
    tokenFile?: string;
  };
  /** Topics scored by one model each. May be empty when flows consume every topic. @defaultValue [] */
  inputs: readonly InputTopicConfig[];
  /** Model flows: hooks, routing, fan-out, experiments, fallbacks. @defaultValue [] */
  flows: readonly FlowConfig[];
  /** A/B tests that flow routes name as "experiment:<id>". @defaultValue [] */
  experiments: readonly ExperimentConfig[];
  output: {
    topic: string;
    /** @defaultValue 'avro' */
    format: Format;
    /** Avro schema for predictions, registered at start under `<topic>-value`. @defaultValue './schemas/prediction.avsc' */
    schemaFile: string;
  };
  deadLetter: {
    /** @defaultValue '<output.topic>.dlq' */
    topic: string;
  };
  /**
   * Absent: off. Every prediction (plain inputs and flows) is accompanied by a record of the features its
   * model was fed, its prediction and its lineage, on this topic, in the same send (and transaction).
   */
  featureLog?: {
    topic: string;
    /** Avro schema of the records, registered under `<topic>-value`. @defaultValue './schemas/feature-log.avsc' */
    schemaFile: string;
  };
  /** Drift, for models with a feature-stats.json beside their config.yaml. */
  drift: {
    /** The sliding window PSI and the missing share are measured over. @defaultValue 300000 */
    windowMs: number;
    /** Slices of the window: it moves by windowMs / buckets. @defaultValue 10 */
    buckets: number;
    /** Events the window must hold before a model's drift is exported. @defaultValue 500 */
    minEvents: number;
  };
  limits: {
    /** Larger record values go to the DLQ as OVERSIZED. @defaultValue 1048576 */
    maxRecordBytes: number;
    /** Longer string features go to the DLQ as FEATURE_TOO_LONG. @defaultValue 1024 */
    maxStringFeatureLength: number;
  };
  batching: {
    /** Hard upper bound on rows per inference task. @defaultValue 1024 */
    maxBatchSize: number;
    /** Compute time one batch may take; the cap follows the measured batch-time line. @defaultValue 10 */
    targetBatchMs: number;
    /** How long the oldest queued row may wait for more rows when a worker is free. @defaultValue 2 */
    maxDelayMs: number;
  };
  backpressure: {
    /** Uncommitted offsets (buffered + scoring + awaiting ack + acknowledged, not yet committed) across all
     * partitions: what a crash would replay, so it also bounds duplicates. @defaultValue 20000 */
    globalBudget: number;
    /** Uncommitted offsets for one partition. @defaultValue 5000 */
    partitionBudget: number;
    /** Resume when usage falls to this share of the budget. @defaultValue 0.5 */
    resumeRatio: number;
    /** A paused partition stays paused at least this long, so it does not flap. @defaultValue 250 */
    minPauseMs: number;
    /**
     * Per-model isolation: with several lanes (each served model its plain inputs feed, each flow), every
     * lane holds an equal share of globalBudget and of the worker slots, so a flood for one lane pauses
     * only the partitions that feed it. @defaultValue true
     */
    isolateLanes: boolean;
  };
  commit: {
    /** How often acknowledged watermarks are committed. @defaultValue 1000 */
    intervalMs: number;
    /**
     * A commit that has not settled after this is given up on, and the next one is sent: a client call
     * that never settles must not stop the commits for good, and one sent while the coordinator was
     * away (kafkajs then retries it with a backoff of up to 30 s) must not hold back the commits that
     * could land once it is back. @defaultValue 5000
     */
    timeoutMs: number;
  };
  delivery: {
    /**
     * at-least-once: produce, then commit the acknowledged watermark. exactly-once: predictions, dead
     * letters and the input offsets in one transaction per send; read the output with read_committed.
     * @defaultValue 'at-least-once'
     */
    guarantee: DeliveryGuarantee;
    transaction: {
      /**
       * Transactional id of this replica; unique among live replicas, ideally stable across restarts
       * (a StatefulSet's pod name). Absent: `<kafka.groupId>-<host name>-<pid>`.
       */
      id?: string;
      /** Most records (predictions and dead letters) in one transaction. @defaultValue 5000 */
      maxRecords: number;
      /**
       * A transaction holding fewer than maxRecords begins at most this long after the previous one
       * began: fewer, larger transactions at low rates, for up to this much latency. @defaultValue 100
       */
      intervalMs: number;
      /** The coordinator aborts a transaction open longer than this. @defaultValue 10000 */
      timeoutMs: number;
    };
  };
  inference: {
    /** Worker threads. @defaultValue max(1, cores - 1) */
    threads: number;
    /** Attempts for a batch whose worker died before bisecting it. @defaultValue 3 */
    maxAttempts: number;
    /** Fault injection for tests and drills: every batch sleeps this long in its worker. @defaultValue 0 */
    injectDelayMs: number;
  };
  shutdown: {
    /** SIGTERM/SIGINT: finish, produce, commit and leave within this. @defaultValue 30000 */
    deadlineMs: number;
  };
  tracing: {
    /** Spans and W3C trace context on the outputs. @defaultValue false */
    enabled: boolean;
    /** OTLP/HTTP traces URL; absent: spans are made (for the headers) but not exported. */
    otlpEndpoint?: string;
    /** Share of records without an incoming context that start a sampled trace. @defaultValue 0.01 */
    samplingRatio: number;
    /** @defaultValue 'stream-scorer' */
    serviceName: string;
  };
  http: {
    /** /metrics, /healthz, /readyz. 0 disables the server. @defaultValue 9464 */
    port: number;
    /** @defaultValue '0.0.0.0' */
    host: string;
  };
  log: {
    /** @defaultValue 'info' */
    level: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  };
}
