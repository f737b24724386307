/**
 * One measured open-loop run: fresh topics, a fresh subject process, the load generator against it, then
 * the subject stopped and the topics deleted. Fresh everything, so no run inherits another's backlog,
 * warmed caches or committed offsets; and deleted topics keep a long suite from filling the disk.
 * The subject's CPU is read with each progress tick (about once a second), next to the predictions
 * counted so far, so stages can take CPU per event over the measured part of the run.
 */
import { randomBytes } from 'node:crypto';
import { type Admin, Kafka, logLevel } from 'kafkajs';
import { createTopicsReady } from '../devtools/topics.ts';
import { createProgressWriter } from '../loadgen/progress.ts';
import { runLoad } from '../loadgen/run.ts';
import type { LoadProfile, LoadResult } from '../loadgen/types.ts';
import { SUBJECTS } from './catalog.ts';
import type { CpuSample } from './cpu.ts';
import { startBenchRedis } from './enrich-subject.ts';
import type { SubjectId } from './results.ts';
import { deadLetterOf, type SubjectHandle, startSubject } from './subject.ts';

export interface RunContext {
  readonly brokers: readonly string[];
  readonly registryUrl: string;
  /** Where a traced subject exports its spans (the suite's OTLP receiver). */
  readonly otlpUrl: string;
  readonly partitions: number;
  readonly threads: number;
}

export interface RunTopics {
  readonly inputTopic: string;
  readonly outputTopic: string;
  readonly group: string;
}

export interface RunRequest {
  readonly subject: SubjectId;
  readonly profile: LoadProfile;
  readonly warmupMs: number;
  readonly drainTimeoutMs: number;
}

export interface MeasuredRun {
  readonly result: LoadResult;
  /** One per progress tick: ms since the first event, predictions so far, the subject's CPU ticks. */
  readonly cpu: readonly CpuSample[];
}

/**
 * Creates an input and an output topic of their own for `body`, and deletes them after it, whatever
 * happens. With `deadLetter`, the scorer's dead-letter topic too: replicas that share it must not each
 * create it and delete it when they stop, while the others still run or are yet to start.
 */
export async function withFreshTopics<T>(
  ctx: RunContext,
  subject: SubjectId,
  body: (topics: RunTopics, admin: Admin) => Promise<T>,
  deadLetter = false,
): Promise<T> {
  const id = `${Date.now().toString(36)}-${randomBytes(2).toString('hex')}`;
  const topics: RunTopics = { inputTopic: `bench-${subject}-in-${id}`, outputTopic: `bench-${subject}-out-${id}`, group: `bench-${subject}-${id}` };
  const specs = [topics.inputTopic, topics.outputTopic].map((topic) => ({ topic, partitions: ctx.partitions }));
  if (deadLetter) specs.push({ topic: deadLetterOf(topics.outputTopic), partitions: 1 });
  const admin = new Kafka({ clientId: 'stream-scorer-bench', brokers: [...ctx.brokers], logLevel: logLevel.NOTHING }).admin();
  await admin.connect();
  try {
    await createTopicsReady(admin, specs);
    return await body(topics, admin);
  } finally {
    await admin.deleteTopics({ topics: specs.map((s) => s.topic) }).catch(() => undefined);
    await admin.disconnect();
  }
}

/** Starts `subject` as bench/catalog.ts describes it, on `topics`; with its own Redis when it enriches, stopped with it. */
export async function startCatalogSubject(ctx: RunContext, subject: SubjectId, topics: RunTopics): Promise<SubjectHandle> {
  const { kind, model, client, scorer, redis } = SUBJECTS[subject];
  const store = redis === true ? await startBenchRedis() : undefined;
  const subjectTopics = store === undefined ? topics : { ...topics, redisUrl: store.url };
  const start = () =>
    startSubject(kind, {
      brokers: [...ctx.brokers],
      registryUrl: ctx.registryUrl,
      ...topics,
      model,
      ...(client === undefined ? {} : { client }),
      ...(scorer === undefined ? {} : { scorerOverrides: scorer(subjectTopics, ctx) }),
      threads: ctx.threads,
    });
  if (store === undefined) return start();
  const handle = await start().catch(async (error: unknown) => {
    await store.destroy();
    throw error;
  });
  return {
    ...handle,
    stop: async () => {
      try {
        await handle.stop();
      } finally {
        await store.destroy();
      }
    },
  };
}

export async function measuredRun(ctx: RunContext, request: RunRequest): Promise<MeasuredRun> {
  return withFreshTopics(ctx, request.subject, async (topics) => {
    const subject = await startCatalogSubject(ctx, request.subject, topics);
    const progress = createProgressWriter(process.stderr, request.profile.phases.length);
    const cpu: CpuSample[] = [];
    try {
      const result = await runLoad({
        brokers: ctx.brokers,
        inputTopic: topics.inputTopic,
        outputTopic: topics.outputTopic,
        format: 'avro',
        registryUrl: ctx.registryUrl,
        profile: request.profile,
        keys: { kind: 'uniform' },
        accounts: 10_000,
        seed: 1,
        drainTimeoutMs: request.drainTimeoutMs,
        warmupMs: request.warmupMs,
        consumerGroup: topics.group,
        sampleRssMiB: () => subject.rssMiB(),
        onProgress: (p) => {
          cpu.push({ tMs: p.elapsedMs, events: p.predicted, cpuTicks: subject.cpuTicks() });
          progress.update(p);
        },
      });
      return { result, cpu };
    } catch (error) {
      throw new Error(`${request.subject} run failed; subject logs:\n${subject.logs().slice(-3000)}`, { cause: error });
    } finally {
      progress.done();
      await subject.stop();
    }
  });
}
