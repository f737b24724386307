/**
 * One measured run: fresh topics, a fresh subject process, the load generator against it, then the
 * subject stopped and the topics deleted. Fresh everything, so no run inherits another's backlog,
 * warmed caches or committed offsets; and deleted topics keep a long suite from filling the disk.
 */
import { randomBytes } from 'node:crypto';
import { Kafka, logLevel } from 'kafkajs';
import { createTopicsReady } from '../devtools/topics.ts';
import { createProgressWriter } from '../loadgen/progress.ts';
import { runLoad } from '../loadgen/run.ts';
import type { LoadProfile, LoadResult } from '../loadgen/types.ts';
import type { SubjectId } from './results.ts';
import { type SubjectKind, startSubject } from './subject.ts';

export const SUBJECTS: Record<SubjectId, { readonly kind: SubjectKind; readonly model: 'fraud' | 'heavy'; readonly title: string }> = {
  w1: { kind: 'scorer', model: 'fraud', title: 'W1 scorer (fraud)' },
  w2: { kind: 'scorer', model: 'heavy', title: 'W2 scorer (heavy MLP)' },
  'kafka-kafkajs': { kind: 'passthrough-kafkajs', model: 'fraud', title: 'Kafka ceiling (kafkajs pass-through)' },
  'kafka-platformatic': { kind: 'passthrough-platformatic', model: 'fraud', title: 'pass-through on @platformatic/kafka' },
  naive: { kind: 'naive', model: 'fraud', title: 'naive scorer' },
};

export interface RunContext {
  readonly brokers: readonly string[];
  readonly registryUrl: string;
  readonly partitions: number;
  readonly threads: number;
}

export interface RunRequest {
  readonly subject: SubjectId;
  readonly profile: LoadProfile;
  readonly warmupMs: number;
  readonly drainTimeoutMs: number;
}

export async function measuredRun(ctx: RunContext, request: RunRequest): Promise<LoadResult> {
  const { kind, model } = SUBJECTS[request.subject];
  const id = `${Date.now().toString(36)}-${randomBytes(2).toString('hex')}`;
  const inputTopic = `bench-${request.subject}-in-${id}`;
  const outputTopic = `bench-${request.subject}-out-${id}`;
  const group = `bench-${request.subject}-${id}`;
  const admin = new Kafka({ clientId: 'stream-scorer-bench', brokers: [...ctx.brokers], logLevel: logLevel.NOTHING }).admin();
  await admin.connect();
  try {
    await createTopicsReady(
      admin,
      [inputTopic, outputTopic].map((topic) => ({ topic, partitions: ctx.partitions })),
    );
    const subject = await startSubject(kind, {
      brokers: [...ctx.brokers],
      registryUrl: ctx.registryUrl,
      inputTopic,
      outputTopic,
      group,
      model,
      threads: ctx.threads,
    });
    const progress = createProgressWriter(process.stderr, request.profile.phases.length);
    try {
      return await runLoad({
        brokers: ctx.brokers,
        inputTopic,
        outputTopic,
        format: 'avro',
        registryUrl: ctx.registryUrl,
        profile: request.profile,
        keys: { kind: 'uniform' },
        accounts: 10_000,
        seed: 1,
        drainTimeoutMs: request.drainTimeoutMs,
        warmupMs: request.warmupMs,
        consumerGroup: group,
        sampleRssMiB: () => subject.rssMiB(),
        onProgress: (p) => progress.update(p),
      });
    } catch (error) {
      throw new Error(`${request.subject} run failed; subject logs:\n${subject.logs().slice(-3000)}`, { cause: error });
    } finally {
      progress.done();
      await subject.stop();
    }
  } finally {
    await admin.deleteTopics({ topics: [inputTopic, outputTopic] }).catch(() => undefined);
    await admin.disconnect();
  }
}
