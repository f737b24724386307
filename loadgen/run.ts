/**
 * One load run: check the topics, start the prediction collector, then produce the profile open loop
 * while a one-second ticker writes the timeline and the progress, wait for the predictions still owed
 * (up to drainTimeoutMs), and report. Everything it connects is disconnected again, whatever happens.
 */

import { readFileSync } from 'node:fs';
import { SchemaRegistry } from '@kafkajs/confluent-schema-registry';
import { type Admin, Kafka, type LogEntry, logLevel } from 'kafkajs';
import { AvroEncoder } from '../src/codecs/avro.ts';
import { ScorerError } from '../src/errors.ts';
import { Collector } from './collector.ts';
import { avroRecords, jsonRecords, type RecordSource } from './event-records.ts';
import { groupLag, LagSampler } from './lag.ts';
import { EMPTY_SUMMARY, RunLatency } from './latency.ts';
import { explicitPartitioner, OpenLoopProducer } from './open-loop-producer.ts';
import { phaseWindows } from './profile.ts';
import { OpenLoopSchedule } from './schedule.ts';
import { type RunParts, Ticker } from './ticker.ts';
import type { LoadOptions, LoadResult, PhaseResult } from './types.ts';

const PAYMENT_SCHEMA = new URL('../schemas/payment-event.avsc', import.meta.url);
/** How often the drain checks whether the last predictions arrived. */
const DRAIN_POLL_MS = 20;
/** Distinct Kafka client errors kept for the result's notes. */
const MAX_CLIENT_ERRORS = 5;

/** Fractional epoch milliseconds: one clock for send times and arrival times. */
const clock = (): number => performance.timeOrigin + performance.now();

export async function runLoad(options: LoadOptions): Promise<LoadResult> {
  if (options.profile.phases.length === 0) throw new RangeError('the load profile has no phases');
  const clientErrors = new Map<string, number>();
  const kafka = new Kafka({
    clientId: 'stream-scorer-loadgen',
    brokers: [...options.brokers],
    // The progress line owns stderr: client errors go to the result's notes instead.
    logLevel: logLevel.ERROR,
    logCreator: () => (entry: LogEntry) => {
      const message = entry.log.message;
      if (clientErrors.has(message) || clientErrors.size < MAX_CLIENT_ERRORS) clientErrors.set(message, (clientErrors.get(message) ?? 0) + 1);
    },
  });
  const closers: (() => Promise<void>)[] = [];
  try {
    const admin = kafka.admin();
    await connect(admin, options.brokers);
    closers.push(() => admin.disconnect());
    const partitions = await checkTopics(admin, options);
    const registry = new SchemaRegistry({ host: options.registryUrl });
    const records = await recordSource(options, registry, partitions);
    const inputStart = await endOffsets(admin, options.inputTopic);
    const latency = new RunLatency(options.profile.phases.length);
    const collector = await Collector.start({
      kafka,
      admin,
      registry,
      latency,
      clock,
      inputStart,
      inputTopic: options.inputTopic,
      outputTopic: options.outputTopic,
    });
    closers.push(() => collector.stop());
    // Not idempotent: kafkajs then allows one request in flight (tulios/kafkajs#598), which measured 25%
    // slower here at full speed and would serialise the open loop's sends. A send kafkajs retried may
    // write an event twice: the input offsets, not `sent`, decide what is expected, so that shows as one
    // more input record (and prediction) than `sent`, never as a loss.
    const producer = kafka.producer({ allowAutoTopicCreation: false, createPartitioner: explicitPartitioner });
    await producer.connect();
    closers.push(() => producer.disconnect());
    const schedule = new OpenLoopSchedule(options.profile, options.count);
    const openLoop = new OpenLoopProducer({ producer, topic: options.inputTopic, records, schedule, clock });
    const result = await measure(options, { admin, collector, openLoop, schedule, latency, inputStart });
    const notes = [...(result.notes ?? []), ...[...clientErrors].map(([message, n]) => `Kafka client error (${n}x): ${message}`)];
    return notes.length === 0 ? result : { ...result, notes };
  } finally {
    for (const close of closers.reverse()) await close().catch(() => undefined);
  }
}

interface Parts extends RunParts {
  readonly admin: Admin;
  readonly inputStart: ReadonlyMap<number, number>;
}

/** What the run knows once production and the drain are over. */
interface Ending {
  readonly t0: number;
  /** Epoch ms when scheduling ended. */
  readonly productionEnd: number;
  /** When the drain gave up or completed. */
  readonly end: number;
  /** Events the input topic received during the run. */
  readonly expected: number;
  readonly ticker: Ticker;
  readonly lag: LagSampler | undefined;
  readonly cpuSeconds: number;
  readonly memory: LoadResult['memory'];
}

async function measure(options: LoadOptions, parts: Parts): Promise<LoadResult> {
  const { admin, collector, openLoop, schedule } = parts;
  const group = options.consumerGroup;
  const lag = group === undefined ? undefined : new LagSampler(() => groupLag(admin, group, options.inputTopic));
  lag?.start();
  const rssAtStart = options.sampleRssMiB?.();
  const cpuAtStart = process.cpuUsage();
  // A whole millisecond, as record timestamps are: the first event is stamped exactly t0, never before it.
  const t0 = Math.floor(clock());
  collector.begin({ phaseEnds: phaseWindows(options.profile).map((w) => t0 + w.endMs), warmupEnd: t0 + options.warmupMs });
  const ticker = new Ticker(options, parts, t0, clock, () => lag?.latest);
  const stop = (): void => openLoop.stop();
  options.signal?.addEventListener('abort', stop, { once: true });
  try {
    if (options.signal?.aborted === true) schedule.stop(0);
    ticker.start();
    await openLoop.run(t0);
    const productionEnd = t0 + (schedule.endedAtMs ?? clock() - t0);
    const inputEnd = await endOffsets(admin, options.inputTopic);
    let expected = 0;
    for (const [partition, start] of parts.inputStart) expected += (inputEnd.get(partition) ?? start) - start;
    await drain(() => collector.distinct >= expected, options.drainTimeoutMs);
    const end = clock();
    ticker.stop();
    const cpu = process.cpuUsage(cpuAtStart);
    const memory = ticker.memory(rssAtStart, options.sampleRssMiB?.());
    return report(options, parts, { t0, productionEnd, end, expected, ticker, lag, cpuSeconds: (cpu.user + cpu.system) / 1e6, memory });
  } finally {
    options.signal?.removeEventListener('abort', stop);
    ticker.stop();
    lag?.stop();
  }
}

function report(options: LoadOptions, parts: Parts, e: Ending): LoadResult {
  const { collector, openLoop, latency } = parts;
  const complete = collector.distinct >= e.expected;
  const durationMs = Math.max(0, Math.round((complete ? (collector.lastArrival ?? e.t0) : e.end) - e.t0));
  const drainMs = !complete ? null : e.expected === 0 ? 0 : Math.max(0, Math.round((collector.lastNewArrival ?? e.productionEnd) - e.productionEnd));
  const { inputTopic, outputTopic, format, profile, keys, accounts, seed, warmupMs } = options;
  return {
    startedAt: new Date(e.t0).toISOString(),
    options: { inputTopic, outputTopic, format, profile, keys, accounts, seed, warmupMs },
    durationMs,
    sent: openLoop.sent,
    sendErrors: openLoop.sendErrors,
    received: collector.received,
    distinct: collector.distinct,
    duplicates: collector.duplicates,
    missing: Math.max(0, e.expected - collector.distinct),
    throughput: durationMs > 0 ? (collector.distinct * 1000) / durationMs : 0,
    latency: latency.overall(),
    phases: phaseResults(options, parts, e.t0),
    lag: { peakOutstanding: e.ticker.peakOutstanding(), ...(e.lag?.peak === undefined ? {} : { peakGroupLag: e.lag.peak }), drainMs },
    ...(e.memory === undefined ? {} : { memory: e.memory }),
    timeline: e.ticker.points(),
    generatorCpuSeconds: e.cpuSeconds,
    ...notesOf(openLoop, collector),
  };
}

function phaseResults(options: LoadOptions, parts: Parts, t0: number): PhaseResult[] {
  const endedAt = parts.schedule.endedAtMs ?? clock() - t0;
  const latencies = parts.latency.phases();
  return phaseWindows(options.profile).map((w, i) => {
    // A phase cut short by --count or an abort (or an open-ended one) lasted until production stopped.
    const durationMs = Math.max(0, Math.round(Math.min(w.endMs, endedAt) - w.startMs));
    const sent = parts.openLoop.sentInPhase(i);
    // What went out while the phase ran: below the rate when the generator or the broker fell behind.
    const achievedSendRate = durationMs > 0 ? (parts.openLoop.ackedDuringPhase(i) * 1000) / durationMs : 0;
    return { rate: w.rate, durationMs, sent, achievedSendRate, latency: latencies[i] ?? EMPTY_SUMMARY };
  });
}

function notesOf(openLoop: OpenLoopProducer, collector: Collector): { notes?: string[] } {
  const notes: string[] = [];
  if (openLoop.sendErrors > 0) notes.push(`${openLoop.sendErrors} events failed to send; last error: ${openLoop.lastError}`);
  if (collector.decodeErrors > 0) notes.push(`${collector.decodeErrors} predictions could not be read; last error: ${collector.lastDecodeError}`);
  if (collector.skipped > 0) notes.push(`${collector.skipped} predictions skipped: their events came from another topic or from before this run`);
  return notes.length === 0 ? {} : { notes };
}

async function drain(done: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = clock() + timeoutMs;
  while (!done() && clock() < deadline) await new Promise((resolve) => setTimeout(resolve, DRAIN_POLL_MS));
}

async function connect(admin: Admin, brokers: readonly string[]): Promise<void> {
  try {
    await admin.connect();
  } catch (cause) {
    throw new ScorerError('SCORER_ERR_KAFKA', `no Kafka broker answers on ${brokers.join(',')}`, { cause });
  }
}

/** Both topics must exist (the load generator creates none); returns the input's partition count. */
async function checkTopics(admin: Admin, options: LoadOptions): Promise<number> {
  const existing = new Set(await admin.listTopics());
  const roles = [
    [options.inputTopic, 'input topic (the scorer reads events from it)'],
    [options.outputTopic, 'prediction topic (the scorer writes to it)'],
  ] as const;
  for (const [topic, role] of roles) {
    if (!existing.has(topic)) {
      throw new ScorerError('SCORER_ERR_KAFKA', `${role} "${topic}" does not exist on ${options.brokers.join(',')}`, { details: { topic } });
    }
  }
  const { topics } = await admin.fetchTopicMetadata({ topics: [options.inputTopic] });
  return topics[0]?.partitions.length ?? 1;
}

async function endOffsets(admin: Admin, topic: string): Promise<Map<number, number>> {
  const offsets = await admin.fetchTopicOffsets(topic);
  return new Map(offsets.map((o) => [o.partition, Number(o.high)]));
}

async function recordSource(options: LoadOptions, registry: SchemaRegistry, partitions: number): Promise<RecordSource> {
  const base = { seed: options.seed, accounts: options.accounts, keys: options.keys, partitions };
  if (options.format === 'json') return jsonRecords(base);
  const subject = `${options.inputTopic}-value`;
  let encoder: AvroEncoder;
  try {
    encoder = await AvroEncoder.create(registry, subject, JSON.parse(readFileSync(PAYMENT_SCHEMA, 'utf8')) as object);
  } catch (cause) {
    const reason = cause instanceof Error ? cause.message : String(cause);
    throw new ScorerError('SCORER_ERR_SCHEMA_REGISTRY', `could not register the payment event schema as ${subject} at ${options.registryUrl}: ${reason}`, {
      cause,
    });
  }
  return avroRecords(encoder, base);
}
