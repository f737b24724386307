/**
 * The redrive command's composition: the same model stage and delivery as the service, behind an
 * intake that reads one DLQ topic from its start to the end offsets it had when the command started
 * and admits each matching dead letter as the record it once was (presenter.ts). Predictions go where
 * the target's predictions go, with the original lineage; a record that fails again goes to
 * deadLetter.topic with its new reason and its original source headers. It reads with a consumer group
 * of its own, fresh each run (see the README for what an interrupted run leaves), at-least-once.
 */
import type { RedriveRequest } from '../cli.ts';
import { parseModelRef } from '../config/model-refs.ts';
import type { KafkaConfig, ScorerConfig } from '../config/types.ts';
import { systemClock, systemScheduler } from '../core/clock.ts';
import type { Outgoing } from '../delivery/outgoing.ts';
import { ScorerError } from '../errors.ts';
import type { KafkaClient } from '../kafka/client.ts';
import { loadKafkaClient } from '../kafka/load.ts';
import { modelVersions } from '../models/repository.ts';
import type { Logger } from '../observability/logger.ts';
import { ScorerMetrics } from '../observability/metrics.ts';
import { type PoolCounters, PromPipelineMetrics } from '../observability/pipeline-metrics.ts';
import { type Codecs, startCodecs } from '../registry.ts';
import { loadScoring, type Scoring } from '../scoring-setup.ts';
import { commonStageOptions, flowStage } from '../stage-options.ts';
import { ScoringStages } from '../stages.ts';
import { VERSION } from '../version.ts';
import { EndSnapshot } from './end-snapshot.ts';
import { type Finish, untilFinished } from './finish.ts';
import { DeadLetterPresenter } from './presenter.ts';
import { RedriveTally } from './tally.ts';
import { type RedriveTarget, resolveTarget } from './target.ts';

export interface RedriveIo {
  readonly log: Logger;
  /** A progress line, every few seconds (stderr). */
  readonly progress: (line: string) => void;
  /** A signal asked to stop: the run drains what it holds, commits, and reports. */
  readonly cancelled: () => boolean;
}

export interface RedriveOutcome {
  /** Every DLQ record up to the end offsets was read and every outcome acknowledged. */
  readonly finished: boolean;
  readonly summary: string;
}

const PROGRESS_EVERY_MS = 5000;

export async function redrive(config: ScorerConfig, request: RedriveRequest, io: RedriveIo): Promise<RedriveOutcome> {
  const topic = request.topic ?? config.deadLetter.topic;
  const target = await chooseTarget(config, request);
  const started = Date.now();
  const group = `${config.kafka.groupId}-redrive-${new Date(started).toISOString().replace(/[-:.]/g, '')}-${process.pid}`;
  const kafka = await loadKafkaClient(redriveKafka(config.kafka, group), io.log);
  const snapshot = new EndSnapshot(await readOffsets(kafka, topic, [...outputTopics(config, target), config.deadLetter.topic]));
  io.log.info(
    { topic, group, offsets: snapshot.position().total, target: describe(target), dryRun: request.dryRun },
    'redrive: reading the DLQ up to its end offsets',
  );
  const tally = new RedriveTally();
  const scoring = await loadScoring(target.kind === 'model' ? { ...config, flows: [], experiments: [] } : config, {
    serve: target.serve,
    ...(target.kind === 'flow' && target.served !== undefined ? { served: target.served } : {}),
  });
  const closers: (() => Promise<unknown>)[] = [() => scoring.pool.close()];
  try {
    const codecs = await startCodecs(config, { log: io.log, scheduler: systemScheduler, cancelled: io.cancelled, waiting: () => undefined });
    const finish = await run({ config, request, io, topic, target, kafka, scoring, codecs, snapshot, tally, started, closers });
    return { finished: finish.finished, summary: summaryText(topic, target, request.dryRun, tally, finish, started) };
  } finally {
    for (const close of closers.reverse()) await close().catch(() => undefined);
  }
}

interface Run {
  readonly config: ScorerConfig;
  readonly request: RedriveRequest;
  readonly io: RedriveIo;
  readonly topic: string;
  readonly target: RedriveTarget;
  readonly kafka: KafkaClient;
  readonly scoring: Scoring;
  readonly codecs: Codecs;
  readonly snapshot: EndSnapshot;
  readonly tally: RedriveTally;
  readonly started: number;
  readonly closers: (() => Promise<unknown>)[];
}

async function run(r: Run): Promise<Finish> {
  const { config, io, snapshot, tally } = r;
  if (io.cancelled()) return { finished: false, idle: [] };
  if (snapshot.done) return { finished: true, idle: [] };
  const producer = r.kafka.producer();
  r.closers.push(() => producer.close());
  const consumer = r.kafka.consumer();
  let fail!: (error: Error) => void;
  const failed = new Promise<Error>((resolve) => (fail = resolve));
  const pool = r.scoring.pool;
  const dlqFormat = r.codecs.formatFor(r.target.format);
  const stages = new ScoringStages({
    ...commonStageOptions({ config, codecs: r.codecs, pool, consumer, producer, log: io.log }),
    models: r.scoring.models,
    inputs: r.target.kind === 'model' ? [{ topic: r.topic, model: r.target.model.name, format: dlqFormat }] : [],
    flows: r.target.kind === 'flow' ? [flowStage(config, r.scoring.plans, r.codecs, flowIndex(config, r.target), [{ topic: r.topic, format: dlqFormat }])] : [],
    presenter: new DeadLetterPresenter({ filter: r.request.filter, snapshot, tally, dryRun: r.request.dryRun }),
    metrics: new TallyingMetrics(new ScorerMetrics({ version: VERSION }), pool, tally),
    onFatal: (error) => fail(error instanceof Error ? error : new Error(String(error))),
  });
  const handlers = stages.handlers((error, fatal) => (fatal ? fail(error) : io.log.warn({ err: error }, 'Kafka client error; the client retries')));
  let assigned = false;
  await consumer.start([r.topic], {
    ...handlers,
    assigned: (partitions) => {
      assigned = true;
      handlers.assigned(partitions);
    },
  });
  r.closers.push(() => consumer.stop());
  const progress = setInterval(() => io.progress(tally.progress(snapshot.position(), Date.now() - r.started)), PROGRESS_EVERY_MS);
  try {
    const finish = await untilFinished({
      snapshot,
      read: () => tally.read,
      // A batch still being admitted may hold a record read but not in a ledger yet (a schema being fetched).
      holding: () => stages.intake.inSystem + stages.intake.batchesAdmitting,
      assigned: () => assigned,
      cancelled: io.cancelled,
      failed,
      tick: () => stages.intake.evaluateBackpressure(),
      now: () => systemClock.now(),
      scheduler: systemScheduler,
    });
    await stages.drain(config.shutdown.deadlineMs);
    return finish;
  } finally {
    clearInterval(progress);
  }
}

function flowIndex(config: ScorerConfig, target: RedriveTarget & { kind: 'flow' }): number {
  return config.flows.indexOf(target.flow);
}

/** Counts what the brokers acknowledged, besides exporting it as the service does. */
class TallyingMetrics extends PromPipelineMetrics {
  readonly #tally: RedriveTally;

  constructor(metrics: ScorerMetrics, pool: PoolCounters, tally: RedriveTally) {
    super(metrics, pool);
    this.#tally = tally;
  }

  override recordAcked(outgoing: readonly Outgoing[], sendMs: number, nowWallMs: number): void {
    super.recordAcked(outgoing, sendMs, nowWallMs);
    this.#tally.acknowledged(outgoing);
  }
}

async function chooseTarget(config: ScorerConfig, request: RedriveRequest): Promise<RedriveTarget> {
  const named = request.target.model === undefined ? undefined : parseModelRef(request.target.model).name;
  const versions = named === undefined ? [] : await modelVersions(config.models.repository, named);
  return resolveTarget(config, request.target, (name) => (name === named ? versions : []));
}

/** A group of its own, which starts at the DLQ's start; static membership is the service's, not the command's. */
function redriveKafka(kafka: KafkaConfig, groupId: string): KafkaConfig {
  const { groupInstanceId: _, ...rest } = kafka;
  return { ...rest, groupId, consumer: { ...kafka.consumer, fromBeginning: true } };
}

function outputTopics(config: ScorerConfig, target: RedriveTarget): string[] {
  if (target.kind === 'model') return [config.output.topic];
  return [target.flow.output ?? config.output.topic, ...(target.flow.shadow ?? []).map((shadow) => shadow.topic)];
}

async function readOffsets(kafka: KafkaClient, topic: string, writes: readonly string[]) {
  const admin = kafka.admin();
  try {
    const counts = await admin.partitionCounts([topic, ...writes]);
    const missing = [...new Set([topic, ...writes])].filter((t) => !counts.has(t));
    if (missing.length > 0) {
      throw new ScorerError('SCORER_ERR_KAFKA', `topics do not exist: ${missing.join(', ')}`, { details: { missing } });
    }
    return await admin.offsets(topic);
  } finally {
    await admin.close().catch(() => undefined);
  }
}

function describe(target: RedriveTarget): string {
  if (target.kind === 'model') return `model ${target.model.name}@${target.model.version}`;
  const pinned = target.served === undefined ? '' : ` with ${[...target.served].map(([name, version]) => `${name}@${version}`).join(', ')}`;
  return `flow ${target.flow.name}${pinned}`;
}

/** The start time is in the first line: a rerun after an interruption passes it as --until (README). */
function summaryText(topic: string, target: RedriveTarget, dryRun: boolean, tally: RedriveTally, finish: Finish, started: number): string {
  const elapsed = ((Date.now() - started) / 1000).toFixed(1);
  const head = `redrive of ${topic} through ${describe(target)}, started ${new Date(started).toISOString()}: ${finish.finished ? 'finished' : 'interrupted'} in ${elapsed} s`;
  const idle = finish.idle.map((p) => `partition ${p.partition} ended at offset ${p.next} of ${p.end}: nothing more was delivered (transaction markers)`);
  return [head, tally.summary(dryRun), ...idle].join('\n');
}
