/**
 * Composition root: builds the components in dependency order, starts them, and closes them in reverse.
 * Start-up refuses to go live on any mismatch (model vs feature spec, missing topics, registry refusing
 * the output schema), naming what is wrong, before the consumer joins the group; it waits, saying why,
 * for a registry that is not up yet.
 */
import { hostname } from 'node:os';
import { consumedTopics, predictionTopics } from './config/topics.ts';
import type { ScorerConfig } from './config/types.ts';
import { systemClock, systemScheduler } from './core/clock.ts';
import { modelId } from './core/model-id.ts';
import { defaultTransactionalId } from './delivery/transactional.ts';
import { DriftMonitor } from './drift/drift-monitor.ts';
import { ScorerError } from './errors.ts';
import { buildFlowPlans } from './flows/build-plans.ts';
import { checkFlowFields } from './flows/check-fields.ts';
import type { GroupConsumer, KafkaClient } from './kafka/client.ts';
import { loadKafkaClient } from './kafka/load.ts';
import { ModelLifecycle } from './models/lifecycle.ts';
import { listModels } from './models/lifecycle-listing.ts';
import { RepositoryWatch } from './models/repository-watch.ts';
import { resolveAdminToken } from './observability/admin-auth.ts';
import { type Readiness, startHttpServer } from './observability/http.ts';
import type { Logger } from './observability/logger.ts';
import { ScorerMetrics } from './observability/metrics.ts';
import type { ModelsApi } from './observability/models-routes.ts';
import { PromPipelineMetrics } from './observability/pipeline-metrics.ts';
import { startTracing } from './observability/tracing/start.ts';
import { startCodecs } from './registry.ts';
import { loadScoring } from './scoring-setup.ts';
import { commonStageOptions, flowStage } from './stage-options.ts';
import { type ExactlyOnceOptions, ScoringStages } from './stages.ts';
import { VERSION } from './version.ts';

export interface RunningService {
  /** Graceful stop: resolves true when everything in flight was produced and committed in time. */
  stop(): Promise<boolean>;
  /** Resolves with the error once the service cannot go on (the consumer gave up, a bug surfaced). */
  readonly failed: Promise<Error>;
}

/** Deadline share kept for the final commit, leaving the group and closing the pool. */
const CLOSE_RESERVE_MS = 3000;
/** Of CLOSE_RESERVE_MS, what exporting the last spans may take at shutdown. */
const TRACING_FLUSH_MS = 2000;

/** Resolves with a running service; rejects naming what is wrong, or when `cancelled` during start-up. */
export async function startService(config: ScorerConfig, log: Logger, cancelled: () => boolean): Promise<RunningService> {
  const metrics = new ScorerMetrics({ version: VERSION });
  let notReady: string | undefined = 'starting';
  // Read before anything loads: an unreadable token file fails start-up naming the setting.
  const adminToken = resolveAdminToken(config.admin);
  let lifecycle: ModelLifecycle | undefined;
  const watched = new Set(config.models.serve.filter((ref) => ref.version === undefined).map((ref) => ref.name));
  const http =
    config.http.port === 0
      ? undefined
      : await startHttpServer({
          host: config.http.host,
          port: config.http.port,
          metrics,
          live: () => true,
          ready: () => readiness(notReady, lifecycle),
          models: modelsApi(() => lifecycle, watched),
          ...(adminToken === undefined ? {} : { adminToken }),
        });
  const tracing = config.tracing.enabled ? startTracing(config.tracing, VERSION) : undefined;
  // Closed second to last: the spans of the last acknowledgements are exported after the drain.
  const closers: (() => Promise<unknown>)[] = [async () => http?.close(), async () => tracing?.shutdown(TRACING_FLUSH_MS)];
  const closeAll = async () => {
    for (const close of closers.reverse()) await close().catch(() => undefined);
  };
  // The Kafka library loads while the workers load the models (see kafka/load.ts); a failure is thrown where it is awaited.
  const kafkaLoading = loadKafkaClient(config.kafka, log);
  kafkaLoading.catch(() => undefined);
  try {
    notReady = 'loading models';
    const { models, plans, pool } = await loadScoring(config);
    closers.push(() => pool.close());

    notReady = 'connecting to the schema registry';
    const codecs = await startCodecs(config, { log, scheduler: systemScheduler, cancelled, waiting: (reason) => (notReady = reason) });
    if (cancelled()) throw new ScorerError('SCORER_ERR_SHUTDOWN_TIMEOUT', 'stopped during start-up');
    await checkFlowFields(config, codecs.latestInputType, log);

    notReady = 'checking topics';
    const kafka = await kafkaLoading;
    const featureLogTopics = config.featureLog === undefined ? [] : [config.featureLog.topic];
    await assertTopicsExist(kafka, [...consumedTopics(config), ...predictionTopics(config), config.deadLetter.topic, ...featureLogTopics]);
    const producer = kafka.producer();
    closers.push(() => producer.close());
    const consumer = kafka.consumer();
    const exactlyOnce = config.delivery.guarantee === 'exactly-once' ? exactlyOnceOptions(config, kafka, consumer) : undefined;

    let fail!: (error: Error) => void;
    const failed = new Promise<Error>((resolve) => (fail = resolve));
    const drift = new DriftMonitor(
      config.drift,
      (id) => lifecycle?.entryById(id)?.stats ?? models.find((m) => modelId(m.config.name, m.config.version) === id)?.stats,
      systemClock,
    );
    metrics.watchDrift(() => drift.read());
    const featureLog =
      config.featureLog === undefined || codecs.featureLogSchemaId === undefined
        ? {}
        : { featureLog: { topic: config.featureLog.topic, schemaId: codecs.featureLogSchemaId } };
    const stages = new ScoringStages({
      ...commonStageOptions({ config, codecs, pool, consumer, producer, log }),
      models,
      inputs: config.inputs.map((input) => ({ topic: input.topic, model: input.model, format: codecs.formatFor(input.format) })),
      flows: config.flows.map((flow, i) =>
        flowStage(
          config,
          plans,
          codecs,
          i,
          flow.inputs.map((input) => ({ topic: input.topic, format: codecs.formatFor(input.format) })),
        ),
      ),
      ...(exactlyOnce === undefined ? {} : { exactlyOnce }),
      ...featureLog,
      metrics: new PromPipelineMetrics(metrics, pool, drift),
      tracing: tracing?.tracer,
      onFatal: (error) => fail(error instanceof Error ? error : new Error(String(error))),
    });
    metrics.eventsBudget.set(config.backpressure.globalBudget);
    lifecycle = new ModelLifecycle({
      repository: config.models.repository,
      entries: models,
      plans,
      buildPlans: (entries, served) => buildFlowPlans(config, entries, { served }),
      limits: config.limits,
      pool,
      stage: stages.models,
      metrics: {
        reload: (model, result) => metrics.modelReloads.inc({ model, result }),
        served: (model, version) => metrics.modelServedVersion.set({ model }, version),
      },
      log,
      wallClock: Date.now,
      attempted: (name, version) => watch?.tried(name, version),
    });
    const watch = config.models.watch ? startWatch(config, lifecycle, watched, log) : undefined;
    closers.push(async () => watch?.stop());

    const transactional = stages.transactional;
    if (transactional !== undefined) {
      // Before joining: a predecessor with the same transactional id is fenced, its open transaction aborted.
      notReady = 'registering the transactional id';
      closers.push(() => transactional.close());
      await transactional.start();
    }

    notReady = 'waiting for partition assignment';
    const handlers = stages.handlers((error, fatal) => {
      if (fatal) fail(error);
      else log.warn({ err: error }, 'Kafka client error; the client retries');
    });
    await consumer.start(consumedTopics(config), {
      ...handlers,
      assigned: (partitions) => {
        notReady = undefined;
        handlers.assigned(partitions);
      },
    });
    closers.push(() => consumer.stop());
    // Resumes happen on acknowledgements too; this tick catches minimum pause times running out.
    const timers = [
      setInterval(() => stages.intake.evaluateBackpressure(), 100),
      // The share of partition-time spent paused over the last window: a saturation signal for autoscaling.
      setInterval(() => metrics.pausedTimeRatio.set(stages.backpressure.pausedTimeRatio()), 5000),
      setInterval(() => stages.intake.publishLag(systemClock.now()), config.commit.intervalMs),
    ];
    log.info(
      {
        models: models.map((m) => modelId(m.config.name, m.config.version)),
        inputs: consumedTopics(config),
        ...(config.flows.length === 0 ? {} : { flows: config.flows.map((flow) => flow.name) }),
        output: config.output.topic,
        threads: config.inference.threads,
        client: kafka.name,
        guarantee: config.delivery.guarantee,
        ...(tracing === undefined ? {} : { tracing: { samplingRatio: config.tracing.samplingRatio, otlpEndpoint: config.tracing.otlpEndpoint ?? null } }),
        ...(exactlyOnce === undefined ? {} : { transactionalId: exactlyOnce.transactionalId }),
      },
      'stream-scorer started',
    );

    const stop = async (): Promise<boolean> => {
      notReady = 'stopping';
      watch?.stop();
      for (const timer of timers) clearInterval(timer);
      const { emptied, dropped } = await stages.drain(Math.max(0, config.shutdown.deadlineMs - CLOSE_RESERVE_MS));
      log.info(
        { emptied, droppedUnscored: dropped, inSystem: stages.intake.inSystem },
        emptied ? 'drained; leaving the group' : 'drain deadline passed; leaving the group with what was committed',
      );
      await closeAll();
      return emptied;
    };
    return { stop, failed };
  } catch (error) {
    await closeAll();
    throw error;
  }
}

/** Ready once partitions are assigned; a failed reload does not make it unready (the old version serves), it shows. */
function readiness(notReady: string | undefined, lifecycle: ModelLifecycle | undefined): Readiness {
  const failure = lifecycle?.state.lastFailure();
  const detail = failure === undefined ? {} : { detail: { lastFailedReload: failure } };
  return notReady === undefined ? { ready: true, ...detail } : { ready: false, reason: notReady, ...detail };
}

/** /models and the admin endpoints, before the models are loaded too (they answer that they are loading). */
function modelsApi(lifecycle: () => ModelLifecycle | undefined, watched: ReadonlySet<string>): ModelsApi {
  const starting = { ok: false, problem: 'failed', reason: 'the models are still loading' } as const;
  return {
    list: () => {
      const current = lifecycle();
      return current === undefined ? { models: [], lastFailedReload: null, starting: true } : listModels(current, watched);
    },
    load: async (name, version) => (await lifecycle()?.reload(name, version, 'admin')) ?? starting,
    rollback: async (name) => (await lifecycle()?.rollback(name)) ?? starting,
  };
}

function servedVersions(lifecycle: ModelLifecycle, names: ReadonlySet<string>): Map<string, number> {
  const served = new Map<string, number>();
  for (const name of names) {
    const version = lifecycle.state.get(name)?.version;
    if (version !== undefined) served.set(name, version);
  }
  return served;
}

/** models.watch: the models served without a version follow the new version directories of the repository. */
function startWatch(config: ScorerConfig, lifecycle: ModelLifecycle, watched: ReadonlySet<string>, log: Logger): RepositoryWatch {
  const watch = new RepositoryWatch({
    repository: config.models.repository,
    models: () => servedVersions(lifecycle, watched),
    intervalMs: config.models.watchIntervalMs,
    load: (name, version) => lifecycle.reload(name, version, 'watch'),
    scheduler: systemScheduler,
    now: () => systemClock.now(),
    log,
  });
  watch.start();
  log.info({ models: [...watched], intervalMs: config.models.watchIntervalMs }, 'watching the model repository for new versions');
  return watch;
}

/** The exactly-once wiring with this replica's transactional id (config/rules.ts refuses it on a client without KIP-447). */
function exactlyOnceOptions(config: ScorerConfig, kafka: KafkaClient, consumer: GroupConsumer): ExactlyOnceOptions {
  const { id, maxRecords, intervalMs, timeoutMs } = config.delivery.transaction;
  const transactionalId = id ?? defaultTransactionalId(config.kafka.groupId, hostname(), process.pid);
  return {
    consumer,
    transactionalId,
    maxRecords,
    intervalMs,
    // A commit without an answer is sent again for as long as the coordinator may still be completing it.
    commitRetryMs: timeoutMs,
    producer: (resume) => kafka.transactionalProducer(transactionalId, { timeoutMs, resume }),
  };
}

/** Every topic the service reads or writes must exist: a typo fails start-up by name (auto-creation is off). */
async function assertTopicsExist(kafka: KafkaClient, topics: readonly string[]): Promise<void> {
  const admin = kafka.admin();
  try {
    const counts = await admin.partitionCounts(topics);
    const missing = [...new Set(topics)].filter((t) => !counts.has(t));
    if (missing.length > 0) {
      throw new ScorerError('SCORER_ERR_KAFKA', `topics do not exist: ${missing.join(', ')} (create them first; the scorer does not auto-create topics)`, {
        details: { missing },
      });
    }
  } finally {
    await admin.close().catch(() => undefined);
  }
}
