/**
 * What the baseline subjects share: flags, the scorer's own configuration defaults (so every client
 * setting matches the scorer's, kafka.client from --client), the model entry, the `ready` line and a
 * clean exit on SIGTERM. Each subject script only adds its codecs (avsc-codecs.ts for the naive
 * scorer, the product's per-batch ones for the pass-through) and its consume-process-produce loop, on
 * the product's Kafka interface or on client code of its own.
 */
import { fileURLToPath } from 'node:url';
import { loadConfig } from '../../src/config/load.ts';
import type { ScorerConfig } from '../../src/config/types.ts';
import type { ModelEntry } from '../../src/inference/types.ts';
import { loadModelRepository } from '../../src/models/repository.ts';
import { parseSubjectArgs, READY_LINE, SUBJECT_USAGE, type SubjectArgs } from './args.ts';
import { FlagError } from './flags.ts';

export const PREDICTION_SCHEMA = new URL('../../schemas/prediction.avsc', import.meta.url);

export interface SubjectContext {
  readonly name: string;
  readonly args: SubjectArgs;
  /** The scorer's configuration for the same topics and group, defaults included. */
  readonly config: ScorerConfig;
  readonly model: ModelEntry;
}

export function log(level: 'warn' | 'error', obj: object, msg: string): void {
  process.stderr.write(`${JSON.stringify({ level, time: Date.now(), ...obj, msg })}\n`);
}

export function logError(msg: string, error: unknown): void {
  log('error', { err: error instanceof Error ? (error.stack ?? error.message) : String(error) }, msg);
}

/** Prints the problem and exits 2 on bad flags, exits 1 on anything else that stops start-up. */
export async function setUp(name: string, argv: readonly string[] = process.argv.slice(2)): Promise<SubjectContext> {
  let args: SubjectArgs;
  try {
    args = parseSubjectArgs(argv);
  } catch (error) {
    if (!(error instanceof FlagError)) throw error;
    process.stderr.write(`${name}: ${error.message}\n${SUBJECT_USAGE}\n`);
    process.exit(2);
  }
  try {
    return await context(name, args);
  } catch (error) {
    logError(`${name}: start-up failed`, error);
    process.exit(1);
  }
}

async function context(name: string, args: SubjectArgs): Promise<SubjectContext> {
  // The scorer's loader fills every default the scorer would run with; no SCORER_ variables are read.
  const config = loadConfig({
    env: {},
    overrides: {
      kafka: { brokers: args.brokers, groupId: args.group, clientId: `bench-${name}`, ...(args.client === undefined ? {} : { client: args.client }) },
      schemaRegistry: { url: args.registryUrl },
      // Version 1, as the scorer subject serves it (bench/subject.ts).
      models: { repository: args.modelsDir, serve: [{ name: args.model, version: 1 }] },
      inputs: [{ topic: args.inputTopic, format: 'avro', model: args.model }],
      output: { topic: args.outputTopic, format: 'avro', schemaFile: fileURLToPath(PREDICTION_SCHEMA) },
    },
  });
  const [model] = await loadModelRepository(config.models.repository, config.models.serve);
  if (model === undefined) throw new Error(`model ${args.model} not found in ${config.models.repository}`);
  return { name, args, config, model };
}

let announced = false;

/** Prints the ready line once: the consumer has joined the group and holds its assignment. */
export function announceReady(): void {
  if (announced) return;
  announced = true;
  process.stdout.write(`${READY_LINE}\n`);
}

/**
 * On SIGTERM or SIGINT runs `stop` (finish the batch in hand, commit, leave the group, disconnect) and
 * exits 0, or 1 when stopping fails; a second signal exits 1 at once.
 */
export function exitOnSignal(name: string, stop: () => Promise<void>): void {
  let stopping = false;
  const onSignal = () => {
    if (stopping) process.exit(1);
    stopping = true;
    stop().then(
      () => process.exit(0),
      (error: unknown) => {
        logError(`${name}: stopping failed`, error);
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
}

export function exitOnFailure(name: string, error: unknown): never {
  logError(`${name}: failed`, error);
  process.exit(1);
}
