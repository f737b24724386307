/**
 * The schema registry at start-up: wait until it answers (retrying with a visible reason, readiness
 * saying so), then build the Avro input decoders and register the output schema. A registry that is
 * down is a wait, not a failure; one that refuses the credentials is a failure, at once.
 */
import { readFile } from 'node:fs/promises';
import { SchemaRegistry } from '@kafkajs/confluent-schema-registry';
import type { Type } from 'avsc';
import avsc from 'avsc';
import { AvroDecoder, AvroEncoder } from './codecs/avro.ts';
import { avroFormat, type InputFormat, jsonFormat } from './codecs/input-format.ts';
import type { OutputSpec } from './codecs/prediction-encoder.ts';
import { httpStatusOf, registryFailure } from './codecs/registry-errors.ts';
import { predictionTopics } from './config/topics.ts';
import type { ScorerConfig } from './config/types.ts';
import { retrying } from './core/backoff.ts';
import type { Scheduler } from './core/clock.ts';
import type { Log } from './core/log.ts';
import { isScorerError, ScorerError } from './errors.ts';

export interface RegistryStartup {
  readonly log: Log;
  readonly scheduler: Scheduler;
  /** Called with why start-up waits (for /readyz). */
  readonly waiting: (reason: string) => void;
  /** Start-up was cancelled (a signal): stop waiting. */
  readonly cancelled: () => boolean;
}

export interface Codecs {
  readonly formatFor: (format: 'avro' | 'json') => InputFormat;
  /** How the inference workers encode predictions for output.topic. */
  readonly output: OutputSpec;
  /**
   * The same for every prediction topic (a flow may have its own): the schema is registered under each
   * topic's subject, `<topic>-value`, so consumers of any of them find it the usual way.
   */
  readonly outputFor: (topic: string) => OutputSpec;
  /** The text of a loaded writer schema, for the workers to decode with. */
  readonly writerSchema: (schemaId: number) => string;
  /** The latest schema registered for a topic's values, or undefined when none is (or no registry is used). */
  readonly latestInputType: (topic: string) => Promise<Type | undefined>;
  /** The feature-log schema's id under `<featureLog.topic>-value`; absent when the feature log is off. */
  readonly featureLogSchemaId?: number;
}

const PROBE_TIMEOUT_MS = 5000;
const RETRY = { initialMs: 500, maxMs: 10_000 };

function authHeader(config: NonNullable<ScorerConfig['schemaRegistry']>): Record<string, string> {
  if (config.username === undefined) return {};
  return { authorization: `Basic ${Buffer.from(`${config.username}:${config.password ?? ''}`).toString('base64')}` };
}

/** Any HTTP answer but a 5xx means it is up; 401 and 403 mean it will not let us in. */
async function probe(config: NonNullable<ScorerConfig['schemaRegistry']>): Promise<void> {
  let status: number;
  try {
    const response = await fetch(new URL('subjects', config.url.endsWith('/') ? config.url : `${config.url}/`), {
      headers: authHeader(config),
      signal: AbortSignal.timeout(PROBE_TIMEOUT_MS),
    });
    status = response.status;
    await response.body?.cancel();
  } catch (error) {
    const cause = (error as { cause?: { code?: string; message?: string } }).cause;
    const reason = cause?.code ?? cause?.message ?? (error as Error).message;
    throw new ScorerError('SCORER_ERR_SCHEMA_REGISTRY', `schema registry at ${config.url} is unreachable (${reason})`, { retryable: true });
  }
  if (status === 401 || status === 403) {
    throw new ScorerError(
      'SCORER_ERR_SCHEMA_REGISTRY',
      `schema registry at ${config.url} refused the credentials (HTTP ${status}); check schemaRegistry.username and password`,
    );
  }
  if (status >= 500) throw new ScorerError('SCORER_ERR_SCHEMA_REGISTRY', `schema registry at ${config.url} is failing (HTTP ${status})`, { retryable: true });
}

/** `setting`: the configuration key that names the file, for the error. */
async function schemaFile(file: string, setting: string): Promise<object> {
  try {
    return JSON.parse(await readFile(file, 'utf8')) as object;
  } catch (cause) {
    throw new ScorerError('SCORER_ERR_CONFIG', `${setting} ${file} could not be read as an Avro schema`, { cause });
  }
}

/** Waits for the registry when anything uses Avro; throws for a configuration the registry refuses. */
export async function startCodecs(config: ScorerConfig, startup: RegistryStartup): Promise<Codecs> {
  const registryConfig = config.schemaRegistry;
  if (registryConfig === undefined) {
    const json = jsonFormat();
    const output: OutputSpec = { format: 'json' };
    return { formatFor: () => json, output, outputFor: () => output, writerSchema: (id) => json.writerSchema(id), latestInputType: async () => undefined };
  }
  const registry = new SchemaRegistry({
    host: registryConfig.url,
    ...(registryConfig.username === undefined ? {} : { auth: { username: registryConfig.username, password: registryConfig.password ?? '' } }),
  });
  const retry = <T>(attempt: () => Promise<T>) =>
    retrying(attempt, {
      policy: RETRY,
      scheduler: startup.scheduler,
      retryable: (error) => isScorerError(error) && error.retryable,
      stopped: startup.cancelled,
      onRetry: (error, attempt, delayMs) => {
        const reason = (error as Error).message;
        startup.waiting(`waiting for the schema registry: ${reason}`);
        startup.log.warn({ reason, attempt, retryInMs: Math.round(delayMs) }, 'schema registry not ready; start-up waits');
      },
    });
  await retry(() => probe(registryConfig));
  const avro = new AvroDecoder(registry, { registryName: `schema registry at ${registryConfig.url}` });
  const [json, avroInput] = [jsonFormat(), avroFormat(avro)];
  const formatFor = (format: 'avro' | 'json') => (format === 'json' ? json : avroInput);
  const writerSchema = (id: number) => avroInput.writerSchema(id);
  const latestInputType = async (topic: string): Promise<Type | undefined> => {
    try {
      const type = await registry.getSchema(await registry.getLatestSchemaId(`${topic}-value`));
      return avsc.Type.isType(type) ? (type as Type) : undefined;
    } catch (error) {
      if (httpStatusOf(error) === 404) return undefined;
      throw registryFailure(`reading the latest schema of ${topic}-value`, error, `schema registry at ${registryConfig.url}`);
    }
  };
  const registryName = `schema registry at ${registryConfig.url}`;
  const { featureLog } = config;
  const featureLogSchemaId =
    featureLog === undefined
      ? {}
      : {
          featureLogSchemaId: (
            await retry(async () =>
              AvroEncoder.create(registry, `${featureLog.topic}-value`, await schemaFile(featureLog.schemaFile, 'featureLog.schemaFile'), registryName),
            )
          ).schemaId,
        };
  if (config.output.format === 'json') {
    const output: OutputSpec = { format: 'json' };
    return { formatFor, output, outputFor: () => output, writerSchema, latestInputType, ...featureLogSchemaId };
  }
  const schema = await schemaFile(config.output.schemaFile, 'output.schemaFile');
  const specs = new Map<string, OutputSpec>();
  for (const topic of predictionTopics(config)) {
    const encoder = await retry(() => AvroEncoder.create(registry, `${topic}-value`, schema, registryName));
    specs.set(topic, { format: 'avro', schemaId: encoder.schemaId, schema: JSON.stringify(schema) });
  }
  const output = specs.get(config.output.topic) as OutputSpec;
  return { formatFor, output, outputFor: (topic) => specs.get(topic) ?? output, writerSchema, latestInputType, ...featureLogSchemaId };
}
