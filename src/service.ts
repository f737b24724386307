/**
 * Composition root: builds the components in dependency order, starts them, and closes them in reverse.
 * Start-up refuses to go live on any mismatch (model vs feature spec, missing topics, registry refusing
 * the output schema), naming what is wrong, before the consumer joins the group.
 */
import { readFile } from 'node:fs/promises';
import { SchemaRegistry } from '@kafkajs/confluent-schema-registry';
import { AvroDecoder, AvroEncoder } from './codecs/avro.ts';
import { compileFeatureMapper } from './codecs/features.ts';
import { avroInput, jsonInput, jsonOutput } from './codecs/input-decoder.ts';
import type { ScorerConfig } from './config/types.ts';
import { ScorerError } from './errors.ts';
import { loadModelRepository } from './inference/model-repository.ts';
import { InferencePool } from './inference/pool.ts';
import { checkFeatureSpec } from './inference/spec-check.ts';
import { KafkaIngest } from './ingest/consumer.ts';
import { createKafka } from './ingest/kafka-client.ts';
import { assertTopicsExist } from './ingest/topics.ts';
import { startHttpServer } from './observability/http.ts';
import type { Logger } from './observability/logger.ts';
import { ScorerMetrics } from './observability/metrics.ts';
import { PromPipelineMetrics } from './observability/pipeline-metrics.ts';
import { BackpressureController } from './pipeline/backpressure.ts';
import { systemClock, systemScheduler } from './pipeline/clock.ts';
import type { RecordEncoder } from './pipeline/outcomes.ts';
import type { InputDecoder } from './pipeline/routes.ts';
import { ScoringPipeline } from './pipeline/scoring-pipeline.ts';
import { KafkaTransport } from './sink/kafka-producer.ts';
import { VERSION } from './version.ts';

export interface RunningService {
  /** Graceful stop: resolves true when everything in flight was produced and committed in time. */
  stop(): Promise<boolean>;
  /** Rejects... never; resolves with the error if the consumer crashes beyond kafkajs's own restarts. */
  readonly failed: Promise<Error>;
}

/** Deadline share kept for the final commit, leaving the group and closing the pool. */
const CLOSE_RESERVE_MS = 3000;
/** Records admitted between hand-backs to the event loop (see PipelineOptions.yieldToLoop). */
const ADMISSION_SLICE = 256;

export async function startService(config: ScorerConfig, log: Logger): Promise<RunningService> {
  const metrics = new ScorerMetrics({ version: VERSION });
  let ready = false;
  let joined = false;
  const http =
    config.http.port === 0
      ? undefined
      : await startHttpServer({
          host: config.http.host,
          port: config.http.port,
          metrics,
          live: () => true,
          ready: () => (ready && joined ? { ready: true } : { ready: false, reason: ready ? 'waiting for partition assignment' : 'starting' }),
        });

  const models = await loadModelRepository(config.models.repository, config.models.serve);
  const pool = await InferencePool.start({
    models,
    threads: config.inference.threads,
    maxAttempts: config.inference.maxAttempts,
    injectDelayMs: config.inference.injectDelayMs,
  });
  const closeOnFailure = async (error: unknown): Promise<never> => {
    await pool.close().catch(() => undefined);
    await http?.close().catch(() => undefined);
    throw error;
  };

  try {
    for (const model of models) checkFeatureSpec(model.config, await pool.describe(model.config.name, model.config.version));
    const mappers = models.map((entry) => ({ entry, mapper: compileFeatureMapper(entry.config, config.limits) }));
    const registry = config.schemaRegistry
      ? new SchemaRegistry({
          host: config.schemaRegistry.url,
          ...(config.schemaRegistry.username ? { auth: { username: config.schemaRegistry.username, password: config.schemaRegistry.password ?? '' } } : {}),
        })
      : undefined;
    const encoder = await outputEncoder(config, registry);
    const inputs = config.inputs.map((input) => ({ topic: input.topic, model: input.model, decoder: inputDecoder(input.format, registry) }));

    const kafka = createKafka(config.kafka, log);
    await assertTopicsExist(kafka, [...config.inputs.map((i) => i.topic), config.output.topic, config.deadLetter.topic]);
    const transport = new KafkaTransport(kafka, config.kafka);
    await transport.connect();

    const backpressure = new BackpressureController(config.backpressure, systemClock);
    let fail!: (error: Error) => void;
    const failed = new Promise<Error>((resolve) => (fail = resolve));
    const pipeline = new ScoringPipeline({
      models: mappers,
      inputs,
      batching: config.batching,
      inference: { threads: config.inference.threads, depth: pool.depth },
      yieldToLoop: { every: ADMISSION_SLICE, yield: () => new Promise<void>((resolve) => setImmediate(resolve)) },
      maxRecordBytes: config.limits.maxRecordBytes,
      target: { topic: config.output.topic, deadLetterTopic: config.deadLetter.topic, encoder },
      pool,
      transport,
      control: {
        pause: (p) => ingest.pause(p),
        resume: (p) => ingest.resume(p),
        commit: (offsets) => ingest.commit(offsets),
      },
      backpressure,
      budgets: config.backpressure,
      senderHighWater: Math.ceil(config.backpressure.globalBudget / 2),
      metrics: new PromPipelineMetrics(metrics, pool),
      log,
      clock: systemClock,
      scheduler: systemScheduler,
      wallClock: Date.now,
    });
    metrics.eventsBudget.set(config.backpressure.globalBudget);

    const ingest: KafkaIngest = new KafkaIngest(
      kafka,
      config.kafka,
      config.inputs.map((i) => i.topic),
      {
        onBatch: (batch, heartbeat) => pipeline.admitBatch(batch, heartbeat),
        onRevokeAll: () => pipeline.revokeAll(),
        onAssigned: (partitions) => {
          joined = true;
          pipeline.assign(partitions);
        },
        onCrash: (error, willRestart) => {
          log.error({ err: error, willRestart }, 'consumer crashed');
          if (!willRestart) fail(error);
        },
      },
    );
    await ingest.start();
    const commitTimer = setInterval(() => void pipeline.commit(), config.commit.intervalMs);
    // Resumes happen on acknowledgements too; this tick catches minimum pause times running out.
    const loadTimer = setInterval(() => pipeline.evaluateBackpressure(), 100);
    // The share of partition-time spent paused over the last window: a saturation signal for autoscaling.
    const shareTimer = setInterval(() => metrics.pausedTimeShare.set(backpressure.pausedTimeShare()), 5000);
    ready = true;
    log.info(
      {
        models: models.map((m) => `${m.config.name}:${m.config.version}`),
        inputs: config.inputs.map((i) => i.topic),
        output: config.output.topic,
        threads: config.inference.threads,
      },
      'stream-scorer started',
    );

    const stop = async (): Promise<boolean> => {
      ready = false;
      clearInterval(loadTimer);
      clearInterval(shareTimer);
      const drained = await pipeline.drain(Math.max(0, config.shutdown.deadlineMs - CLOSE_RESERVE_MS));
      clearInterval(commitTimer);
      log.info(
        { drained, inSystem: pipeline.inSystem },
        drained ? 'drained; leaving the group' : 'drain deadline passed; leaving the group with what was committed',
      );
      await ingest.stop();
      await transport.disconnect();
      await pool.close();
      await http?.close();
      return drained;
    };
    return { stop, failed };
  } catch (error) {
    return closeOnFailure(error);
  }
}

function inputDecoder(format: 'avro' | 'json', registry: SchemaRegistry | undefined): InputDecoder {
  if (format === 'json') return jsonInput();
  if (!registry) throw new ScorerError('SCORER_ERR_CONFIG', 'schemaRegistry.url is required for Avro inputs');
  return avroInput(new AvroDecoder(registry));
}

async function outputEncoder(config: ScorerConfig, registry: SchemaRegistry | undefined): Promise<RecordEncoder> {
  if (config.output.format === 'json') return jsonOutput();
  if (!registry) throw new ScorerError('SCORER_ERR_CONFIG', 'schemaRegistry.url is required for Avro output');
  let schema: object;
  try {
    schema = JSON.parse(await readFile(config.output.schemaFile, 'utf8')) as object;
  } catch (cause) {
    throw new ScorerError('SCORER_ERR_CONFIG', `output.schemaFile ${config.output.schemaFile} could not be read as an Avro schema`, { cause });
  }
  return AvroEncoder.create(registry, `${config.output.topic}-value`, schema);
}
