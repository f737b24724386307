/**
 * The drain stage: a backlog of W1 events is written first, then the subject starts and empties it, as
 * the issue measured the clients ("a drain of 400,000 W1 events, three rotations"). A closed-loop figure
 * (how fast the pipe goes when work is waiting), unlike the sustainable rate; what it buys on a noisy
 * machine is CPU per event over the steady middle of the drain, which the neighbours move much less
 * than events/s.
 *
 * The prediction collector (the load generator's) is running before the subject starts, and a sampler
 * reads, every SAMPLE_MS, the predictions counted so far and the subject's CPU ticks, so a window by
 * prediction count can be cut out afterwards (bench/windows.ts).
 */
import { SchemaRegistry } from '@kafkajs/confluent-schema-registry';
import { type Admin, Kafka, logLevel } from 'kafkajs';
import { Collector } from '../loadgen/collector.ts';
import { RunLatency } from '../loadgen/latency.ts';
import { produceBacklog } from './backlog.ts';
import { DRAIN_ROTATION, SUBJECTS } from './catalog.ts';
import { type CpuSample, clockTicksPerSecond } from './cpu.ts';
import type { DrainRun, DrainSubjectId } from './results.ts';
import { type RunContext, type RunTopics, startCatalogSubject, withFreshTopics } from './runner.ts';
import type { Say } from './stages.ts';
import type { SubjectHandle } from './subject.ts';
import { steadyWindow, windowFigures } from './windows.ts';

/** Sampling interval: 10 CPU ticks at 100 Hz, and about 5,000 events at the rates measured here. */
const SAMPLE_MS = 100;
/** A drain that makes no progress for this long has stalled: it is recorded as incomplete. */
const STALL_MS = 30_000;

export const clock = (): number => performance.timeOrigin + performance.now();

/** Attempts at reading a fresh topic's offsets, RETRY_MS apart. */
const OFFSET_ATTEMPTS = 50;
const RETRY_MS = 100;

/**
 * End offset per partition. A topic created a moment ago can answer NOT_LEADER_FOR_PARTITION to
 * ListOffsets although its metadata already names a leader (the broker has not loaded the partition
 * yet), so retriable errors are retried.
 */
async function endOffsets(admin: Admin, topic: string): Promise<Map<number, number>> {
  for (let attempt = 1; ; attempt++) {
    try {
      return new Map((await admin.fetchTopicOffsets(topic)).map((o) => [o.partition, Number(o.high)]));
    } catch (error) {
      const retriable = (error as { retriable?: unknown }).retriable === true;
      if (!retriable || attempt >= OFFSET_ATTEMPTS) throw error;
      await new Promise((resolve) => setTimeout(resolve, RETRY_MS));
    }
  }
}

export interface Sampled {
  readonly samples: CpuSample[];
  readonly stalled: boolean;
  readonly peakRssMiB: number | null;
}

/** What the sampler reads of what drains: one subject, or a group of replicas taken together. */
export type Drainer = Pick<SubjectHandle, 'exited' | 'cpuTicks' | 'rssMiB'>;

/** Samples until every expected prediction arrived, the drain stalls or the subject exits. */
export async function sampleUntilDrained(subject: Drainer, collector: Collector, expected: number, tReady: number): Promise<Sampled> {
  const samples: CpuSample[] = [];
  let peakRss: number | null = null;
  let lastProgress = clock();
  let exited = false;
  void subject.exited.then(() => (exited = true));
  for (;;) {
    const now = clock();
    const events = collector.distinct;
    const previous = samples.at(-1);
    if (previous === undefined || events > previous.events) lastProgress = now;
    samples.push({ tMs: now - tReady, events, cpuTicks: subject.cpuTicks() });
    const rss = subject.rssMiB();
    if (rss !== undefined) peakRss = Math.max(peakRss ?? 0, rss);
    if (events >= expected || exited) return { samples, stalled: false, peakRssMiB: peakRss };
    if (now - lastProgress > STALL_MS) return { samples, stalled: true, peakRssMiB: peakRss };
    await new Promise((resolve) => setTimeout(resolve, SAMPLE_MS));
  }
}

/** A backlog written to a run's input, and the collector that counts its predictions, started before any subject. */
export interface Backlog {
  /** Input records the backlog holds. */
  readonly expected: number;
  readonly produceEventsPerSec: number;
  readonly collector: Collector;
}

/** Writes `events` W1 events to the input, then starts the prediction collector; the caller stops it. */
export async function writeBacklog(ctx: RunContext, topics: RunTopics, admin: Admin, events: number): Promise<Backlog> {
  const inputStart = await endOffsets(admin, topics.inputTopic);
  const backlog = await produceBacklog({ brokers: ctx.brokers, registryUrl: ctx.registryUrl, topic: topics.inputTopic, partitions: ctx.partitions, events });
  const inputEnd = await endOffsets(admin, topics.inputTopic);
  let expected = 0;
  for (const [partition, start] of inputStart) expected += (inputEnd.get(partition) ?? start) - start;
  const kafka = new Kafka({ clientId: 'stream-scorer-bench-drain', brokers: [...ctx.brokers], logLevel: logLevel.NOTHING });
  const collector = await Collector.start({
    kafka,
    admin,
    registry: new SchemaRegistry({ host: ctx.registryUrl }),
    latency: new RunLatency(1),
    clock,
    inputStart,
    inputTopic: topics.inputTopic,
    outputTopic: topics.outputTopic,
  });
  return { expected, produceEventsPerSec: backlog.ms > 0 ? (backlog.sent * 1000) / backlog.ms : 0, collector };
}

export async function drainRun(ctx: RunContext, rep: number, subjectId: DrainSubjectId, events: number, say: Say): Promise<DrainRun> {
  const title = SUBJECTS[subjectId].title;
  const hz = clockTicksPerSecond();
  return withFreshTopics(ctx, subjectId, async (topics, admin) => {
    const { expected, produceEventsPerSec, collector } = await writeBacklog(ctx, topics, admin, events);
    say(
      `${title}: backlog of ${expected.toLocaleString('en-US')} events written at ${Math.round(produceEventsPerSec).toLocaleString('en-US')}/s; starting the subject`,
    );
    try {
      const tSpawn = clock();
      const subject = await startCatalogSubject(ctx, subjectId, topics);
      try {
        const tReady = clock();
        const startCpuTicks = subject.cpuTicks();
        const sampled = await sampleUntilDrained(subject, collector, expected, tReady);
        const run = record({ rep, subjectId, expected, produceEventsPerSec, tSpawn, tReady, startCpuTicks, hz, collector, sampled, logs: subject.logs });
        if (SUBJECTS[subjectId].redis !== true || subject.metrics === undefined) return run;
        const hits = await enrichmentHitRatio(subject.metrics);
        say(`  enrichment cache hit ratio over the whole drain: ${hits}`);
        return { ...run, notes: [...run.notes, `enrichment cache hit ratio over the whole drain (warm-up included): ${hits}`] };
      } finally {
        await subject.stop();
      }
    } finally {
      await collector.stop();
    }
  });
}

/** hits / (hits + misses) from the subject's /metrics, as a percentage; what the 0% and 90% subjects got. */
async function enrichmentHitRatio(metrics: () => Promise<string>): Promise<string> {
  const text = await metrics().catch(() => '');
  const sum = (name: string) => [...text.matchAll(new RegExp(`^${name}\\{[^}]*\\} (\\S+)$`, 'gm'))].reduce((a, m) => a + Number(m[1]), 0);
  const hits = sum('scorer_enrichment_cache_hits_total');
  const misses = sum('scorer_enrichment_cache_misses_total');
  return hits + misses === 0
    ? 'unknown (no enrichment metrics)'
    : `${((100 * hits) / (hits + misses)).toFixed(1)}% of ${(hits + misses).toLocaleString('en-US')} distinct batch keys`;
}

interface Measured {
  readonly rep: number;
  readonly subjectId: DrainSubjectId;
  readonly expected: number;
  readonly produceEventsPerSec: number;
  readonly tSpawn: number;
  readonly tReady: number;
  readonly startCpuTicks: number | undefined;
  readonly hz: number;
  readonly collector: Collector;
  readonly sampled: Sampled;
  readonly logs: () => string;
}

function record(m: Measured): DrainRun {
  const { samples } = m.sampled;
  const distinct = m.collector.distinct;
  const complete = distinct >= m.expected;
  const notes: string[] = [];
  if (m.sampled.stalled)
    notes.push(`stalled: no new prediction for ${STALL_MS / 1000} s at ${distinct.toLocaleString('en-US')} of ${m.expected.toLocaleString('en-US')}`);
  else if (!complete)
    notes.push(`the subject exited at ${distinct.toLocaleString('en-US')} of ${m.expected.toLocaleString('en-US')}; logs: ${m.logs().slice(-1500)}`);
  const first = samples[0];
  const last = samples.at(-1);
  const steady = steadyWindow(samples, m.expected);
  if (complete && steady === null) notes.push('backlog too small for a steady window at this sampling interval');
  const lastNew = m.collector.lastNewArrival;
  return {
    rep: m.rep,
    subject: m.subjectId,
    events: m.expected,
    produceEventsPerSec: Math.round(m.produceEventsPerSec),
    startMs: Math.round(m.tReady - m.tSpawn),
    startCpuMs: m.startCpuTicks === undefined ? null : (m.startCpuTicks * 1000) / m.hz,
    drainMs: complete && lastNew !== undefined ? Math.round(lastNew - m.tReady) : null,
    whole: first !== undefined && last !== undefined && last.tMs > first.tMs ? windowFigures({ from: first, to: last }, m.hz) : null,
    steady: steady === null ? null : windowFigures(steady, m.hz),
    missing: Math.max(0, m.expected - distinct),
    duplicates: m.collector.duplicates,
    peakRssMiB: m.sampled.peakRssMiB,
    notes,
  };
}

function failedRun(rep: number, subject: DrainSubjectId, events: number, message: string): DrainRun {
  return {
    rep,
    subject,
    events,
    produceEventsPerSec: 0,
    startMs: 0,
    startCpuMs: null,
    drainMs: null,
    whole: null,
    steady: null,
    missing: events,
    duplicates: 0,
    peakRssMiB: null,
    notes: [`failed: ${message.slice(0, 3000)}`],
  };
}

function describe(run: DrainRun): string {
  const s = run.steady;
  const steady =
    s === null
      ? 'no steady window'
      : `steady ${Math.round(s.eventsPerSec ?? 0).toLocaleString('en-US')}/s at ${s.cpuUsPerEvent?.toFixed(1) ?? '?'} µs/event (${s.cores?.toFixed(2) ?? '?'} cores)`;
  const drained = run.drainMs === null ? `incomplete (${run.notes.join('; ')})` : `drained in ${(run.drainMs / 1000).toFixed(1)} s`;
  return `  ${drained}; ${steady}; ready after ${(run.startMs / 1000).toFixed(1)} s`;
}

/** One rotation: each drain subject once, in DRAIN_ROTATION's order. A subject that fails is noted and skipped. */
export async function drainStage(ctx: RunContext, rep: number, events: number, say: Say): Promise<DrainRun[]> {
  const runs: DrainRun[] = [];
  for (const subject of DRAIN_ROTATION) {
    say(`drain ${rep}: ${SUBJECTS[subject].title}, ${events.toLocaleString('en-US')} W1 events`);
    try {
      const run = await drainRun(ctx, rep, subject, events, say);
      say(describe(run));
      runs.push(run);
    } catch (error) {
      // One client misbehaving must not cost the rest of the rotation: recorded as a drain that never ran.
      const message = error instanceof Error ? error.message : String(error);
      say(`  failed: ${message.split('\n', 1)[0]}`);
      runs.push(failedRun(rep, subject, events, message));
    }
  }
  return runs;
}
