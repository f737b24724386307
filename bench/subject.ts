/**
 * Starts what the benchmark measures, each as its own process so its memory and CPU are its own: the
 * scorer (bin/stream-scorer.js with a generated config, `kafka.client` as asked) or one of the baselines
 * in bench/subjects/. Resolves once the subject's consumer holds its partitions, so load sent afterwards
 * is not spent waiting for a join.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import { type ExitStatus, exitOf, keepLogs, launcherFlags, REPO_ROOT, readRssMiB, startScorer, stopChild } from '../devtools/scorer-process.ts';
import { createTopicsReady } from '../devtools/topics.ts';
import { deepMerge } from '../src/config/tree.ts';
import type { ClientName } from '../src/kafka/client.ts';
import { readCpuTicks } from './cpu.ts';
import { type BenchModel, READY_LINE, subjectFlags } from './subjects/args.ts';

export type SubjectKind = 'scorer' | 'passthrough' | 'naive';

export interface SubjectOptions {
  brokers: string[];
  registryUrl: string;
  inputTopic: string;
  outputTopic: string;
  group: string;
  model: BenchModel;
  /**
   * The Kafka client: the scorer's kafka.client, the pass-through's --client. Omitted: the scorer's
   * default. The naive scorer always runs its own kafkajs code.
   */
  client?: ClientName;
  /** Scorer inference threads (inference.threads); the scorer's default when omitted. Scorer only. */
  threads?: number;
  /** Laid over the scorer's generated config (deep merge). Scorer only. */
  scorerOverrides?: Record<string, unknown>;
  /** Model repository; the repository's models/ when omitted. */
  modelsDir?: string;
}

export interface SubjectHandle {
  readonly kind: SubjectKind;
  readonly pid: number;
  /** Resolves when the process exits, however it exits. */
  readonly exited: Promise<ExitStatus>;
  /** Resident memory of the whole process in MiB; undefined once it has exited. */
  rssMiB(): number | undefined;
  /** utime + stime of the whole process (every thread) in clock ticks; undefined once it has exited. */
  cpuTicks(): number | undefined;
  /** SIGTERM, then SIGKILL if it has not exited within STOP_TIMEOUT_MS. Never rejects. */
  stop(): Promise<void>;
  /** The tail of its stdout and stderr. */
  logs(): string;
  /** The text of its /metrics; the scorer only (the baselines serve none). */
  readonly metrics?: () => Promise<string>;
}

const READY_TIMEOUT_MS = 60_000;
const STOP_TIMEOUT_MS = 30_000;
const LOG_TAIL_CHARS = 5000;

const SCRIPTS: Record<Exclude<SubjectKind, 'scorer'>, string> = {
  passthrough: 'passthrough.ts',
  naive: 'naive-scorer.ts',
};

export async function startSubject(kind: SubjectKind, options: SubjectOptions): Promise<SubjectHandle> {
  return kind === 'scorer' ? startScorerSubject(options) : startBaseline(kind, options);
}

async function stopProcess(child: ChildProcess, exited: Promise<ExitStatus>): Promise<void> {
  try {
    await stopChild(child, exited, 'SIGTERM', STOP_TIMEOUT_MS);
  } catch {
    child.kill('SIGKILL');
    await exited;
  }
}

async function startBaseline(kind: Exclude<SubjectKind, 'scorer'>, options: SubjectOptions): Promise<SubjectHandle> {
  const script = join(REPO_ROOT, 'bench', 'subjects', SCRIPTS[kind]);
  const flags = subjectFlags({
    brokers: options.brokers,
    registryUrl: options.registryUrl,
    inputTopic: options.inputTopic,
    outputTopic: options.outputTopic,
    group: options.group,
    model: options.model,
    modelsDir: options.modelsDir ?? join(REPO_ROOT, 'models'),
    ...(kind === 'passthrough' && options.client !== undefined ? { client: options.client } : {}),
  });
  const child = spawn(process.execPath, [...launcherFlags(), script, ...flags], { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  const pid = child.pid;
  // Without a pid the spawn failed; it reports why in an 'error' event, and no 'exit' follows.
  if (pid === undefined)
    throw await new Promise<Error>((resolve) => child.once('error', (error) => resolve(new Error(`${kind}: could not start ${script}`, { cause: error }))));
  const logs = keepLogs(child);
  const exited = exitOf(child);
  const ready = await waitForLine(child.stdout, READY_LINE, exited, READY_TIMEOUT_MS);
  if (ready !== 'ready') {
    child.kill('SIGKILL');
    const status = await exited;
    const why = ready === 'timeout' ? `not ready after ${READY_TIMEOUT_MS} ms` : `exited before it was ready (code ${status.code}, signal ${status.signal})`;
    throw new Error(`${kind} ${why}; logs:\n${logs().slice(-LOG_TAIL_CHARS)}`);
  }
  return {
    kind,
    pid,
    exited,
    rssMiB: () => readRssMiB(pid),
    cpuTicks: () => readCpuTicks(pid),
    stop: () => stopProcess(child, exited),
    logs,
  };
}

/** Resolves 'ready' when `line` appears on its own line, 'exited' or 'timeout' otherwise. */
export function waitForLine(
  stream: NodeJS.ReadableStream | null,
  line: string,
  exited: Promise<ExitStatus>,
  timeoutMs: number,
): Promise<'ready' | 'exited' | 'timeout'> {
  return new Promise((resolve) => {
    let pending = '';
    const onData = (chunk: Buffer) => {
      pending += chunk.toString();
      const lines = pending.split('\n');
      pending = lines.pop() ?? '';
      if (lines.some((l) => l.trim() === line)) finish('ready');
    };
    const timer = setTimeout(() => finish('timeout'), timeoutMs);
    const finish = (outcome: 'ready' | 'exited' | 'timeout') => {
      clearTimeout(timer);
      stream?.off('data', onData);
      resolve(outcome);
    };
    stream?.on('data', onData);
    void exited.then(() => finish('exited'));
  });
}

/** The scorer subject's dead-letter topic, named after its output. */
export function deadLetterOf(outputTopic: string): string {
  return `${outputTopic}.dlq`;
}

/** The scorer subject's configuration: W1 or W2 on one plain input, with `scorerOverrides` laid over it. */
export function scorerConfig(options: SubjectOptions): Record<string, unknown> {
  return deepMerge(
    {
      kafka: {
        brokers: options.brokers,
        groupId: options.group,
        clientId: options.group,
        ...(options.client === undefined ? {} : { client: options.client }),
      },
      schemaRegistry: { url: options.registryUrl },
      // Version 1, which the recorded figures and the golden checks are of (fraud/2 is the example flows' A/B candidate).
      models: { repository: options.modelsDir ?? join(REPO_ROOT, 'models'), serve: [{ name: options.model, version: 1 }] },
      inputs: [{ topic: options.inputTopic, format: 'avro', model: options.model }],
      output: { topic: options.outputTopic, format: 'avro', schemaFile: join(REPO_ROOT, 'schemas', 'prediction.avsc') },
      deadLetter: { topic: deadLetterOf(options.outputTopic) },
      log: { level: 'warn' },
      ...(options.threads === undefined ? {} : { inference: { threads: options.threads } }),
    },
    options.scorerOverrides,
  ) as Record<string, unknown>;
}

async function startScorerSubject(options: SubjectOptions): Promise<SubjectHandle> {
  // The scorer refuses to start without its dead-letter topic; the suite creates only input and output
  // (unless asked for it: bench/runner.ts withFreshTopics), so it is created here when missing.
  // So are a flow's shadow topics, which only its configuration names.
  const config = scorerConfig(options);
  const sideTopics = [deadLetterOf(options.outputTopic), ...shadowTopics(config)];
  const created: string[] = [];
  for (const topic of sideTopics) if (await ensureTopic(options.brokers, topic)) created.push(topic);
  const scorer = await startScorer(config);
  const pid = scorer.child.pid;
  const cleanUp = async () => {
    for (const topic of created) await deleteTopic(options.brokers, topic);
  };
  if (pid === undefined) {
    await cleanUp();
    throw new Error('the scorer process could not be spawned');
  }
  try {
    await scorer.waitReady(READY_TIMEOUT_MS);
  } catch (error) {
    scorer.child.kill('SIGKILL');
    const status = await scorer.exited;
    await cleanUp();
    const why = `scorer failed to start (code ${status.code}, signal ${status.signal}): ${error instanceof Error ? error.message.split('\n', 1)[0] : String(error)}`;
    throw new Error(`${why}; logs:\n${scorer.logs().slice(-LOG_TAIL_CHARS)}`, { cause: error });
  }
  return {
    kind: 'scorer',
    pid,
    exited: scorer.exited,
    rssMiB: () => readRssMiB(pid),
    cpuTicks: () => readCpuTicks(pid),
    stop: async () => {
      await stopProcess(scorer.child, scorer.exited);
      await cleanUp();
    },
    logs: scorer.logs,
    metrics: scorer.metrics,
  };
}

/** The shadow topics the configuration's flows write to. */
function shadowTopics(config: Record<string, unknown>): string[] {
  const flows = Array.isArray(config['flows']) ? (config['flows'] as { shadow?: { topic?: unknown }[] }[]) : [];
  return flows.flatMap((flow) => (flow.shadow ?? []).flatMap((shadow) => (typeof shadow.topic === 'string' ? [shadow.topic] : [])));
}

function admin(brokers: readonly string[]) {
  return new Kafka({ clientId: 'stream-scorer-bench-subject', brokers: [...brokers], logLevel: logLevel.NOTHING }).admin();
}

/** Creates a one-partition topic unless it exists; true when it was created here. */
async function ensureTopic(brokers: readonly string[], topic: string): Promise<boolean> {
  const client = admin(brokers);
  await client.connect();
  try {
    if ((await client.listTopics()).includes(topic)) return false;
    await createTopicsReady(client, [{ topic, partitions: 1 }]);
    return true;
  } finally {
    await client.disconnect();
  }
}

/** Best effort: a topic left behind costs disk, not correctness. */
async function deleteTopic(brokers: readonly string[], topic: string): Promise<void> {
  const client = admin(brokers);
  try {
    await client.connect();
    await client.deleteTopics({ topics: [topic] });
  } catch {
    // the broker is gone or the topic already is
  } finally {
    await client.disconnect().catch(() => undefined);
  }
}
