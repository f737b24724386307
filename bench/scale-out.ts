/**
 * PROTOCOL.md's scale-out workload (issue 9): W1 replicas, 1, 2 and 3 of them, in one consumer group
 * on one input of 12 partitions (as the scale-out suites use), on each client. Per replica count, on
 * fresh topics:
 * 1. the replicas start together on a backlog of W1 events and drain it: events/s of the group, per
 *    replica, and the CPU of all of them per event, over the steady part once each one is predicting;
 * 2. then steady open-loop load in three windows: the oldest replica leaves on SIGTERM at the start of
 *    the second, a new one joins at the start of the third, which lasts until a window after the
 *    joiner's first prediction: the duplicates each rebalance caused (the load generator's collector,
 *    reading the output topic, counts them per second), p99 per window, and the joiner's time from
 *    spawn to its first prediction.
 * With one replica the leave empties the group and the join is a restart into a waiting backlog.
 * The stage runs its own schema registry double, in a process of its own (bench/registry-process.ts).
 * Ratios against one replica are taken within a repetition. On two cores more replicas cannot bring
 * more CPU: what this measures is what rebalancing and coordination cost, not a speed-up.
 */

import type { Admin } from 'kafkajs';
import { createProgressWriter } from '../loadgen/progress.ts';
import { runLoad } from '../loadgen/run.ts';
import type { LoadProfile, LoadResult } from '../loadgen/types.ts';
import type { ClientName } from '../src/kafka/client.ts';
import { CLIENTS, SUBJECTS, w1Of } from './catalog.ts';
import { clockTicksPerSecond } from './cpu.ts';
import { clock, sampleUntilDrained, writeBacklog } from './drain.ts';
import type { BenchOptions } from './options.ts';
import { duplicatesPerWindow } from './rebalance-windows.ts';
import { startRegistryProcess } from './registry-process.ts';
import { asOne, firstPrediction, type Replica, startReplica, stopAll } from './replicas.ts';
import type { GroupDrain, JoinRecord, LeaveRecord, ScaleOutRun, ScaleOutSettings, SubjectId } from './results.ts';
import { type RunContext, type RunTopics, withFreshTopics } from './runner.ts';
import type { Say } from './stages.ts';
import { STEADY_SKIP_SHARE, steadyWindow, windowFigures } from './windows.ts';

/** The partitions of the scale-out suites (test/support/scale-out.ts): 3 replicas get 4 each. */
export const SCALE_OUT_PARTITIONS = 12;
export const REPLICA_COUNTS: readonly number[] = [1, 2, 3];
/** How long the load's predictions still owed may take after the last window (a restart drains a backlog). */
const LOAD_DRAIN_TIMEOUT_MS = 60_000;
/**
 * The join's window lasts until a full window after the joiner's first prediction (then the load is
 * stopped), or this long past a window when none comes: on a busy machine a start takes several
 * seconds, and a joiner that got its partitions after the load ended would have nothing to predict.
 */
const JOIN_ALLOWANCE_MS = 60_000;

export function scaleOutSettings(options: BenchOptions): ScaleOutSettings {
  return {
    replicaCounts: REPLICA_COUNTS,
    partitions: SCALE_OUT_PARTITIONS,
    backlogEvents: options.scaleBacklogEvents,
    rate: options.scaleRate,
    windowSeconds: options.scaleWindowMs / 1000,
  };
}

/**
 * Minutes one repetition takes on a quiet 2-core machine, for the progress line: per run about 35 s of
 * topics, starts, stops and waits, the backlog written at ~60,000/s and drained at ~25,000/s, and the
 * three windows. A busy machine takes up to twice as long.
 */
export function expectedMinutes(s: ScaleOutSettings, clients: number): number {
  const runSeconds = 35 + s.backlogEvents / 60_000 + s.backlogEvents / 25_000 + 3 * s.windowSeconds;
  return (runSeconds * s.replicaCounts.length * clients) / 60;
}

/**
 * One repetition: on each client, each replica count in turn, each run handed to `record` as it ends (a
 * long stage that is interrupted keeps what it measured). A run that fails is recorded with why.
 */
export async function scaleOutStage(ctx: RunContext, options: BenchOptions, rep: number, say: Say, record: (run: ScaleOutRun) => void): Promise<void> {
  const settings = scaleOutSettings(options);
  say(
    `scale-out ${rep}: ${settings.replicaCounts.join(', ')} replicas on ${CLIENTS.join(' and ')}, ${settings.partitions} partitions; expected about ${Math.ceil(expectedMinutes(settings, CLIENTS.length))} min (more on a busy machine)`,
  );
  const registry = await startRegistryProcess();
  try {
    const runCtx = { ...ctx, registryUrl: registry.url, partitions: settings.partitions };
    for (const client of CLIENTS) {
      for (const replicas of settings.replicaCounts) {
        say(`scale-out ${rep}: ${replicas} × ${SUBJECTS[w1Of(client)].title}`);
        try {
          record(await scaleOutRun(runCtx, settings, rep, client, replicas, say));
        } catch (error) {
          const message = error instanceof Error ? error.message : String(error);
          say(`  failed: ${message.split('\n', 1)[0]}`);
          record({ rep, client, replicas, drain: null, load: null, rebalances: [], notes: [`failed: ${message.slice(0, 3000)}`] });
        }
      }
    }
  } finally {
    await registry.stop();
  }
}

async function scaleOutRun(ctx: RunContext, s: ScaleOutSettings, rep: number, client: ClientName, count: number, say: Say): Promise<ScaleOutRun> {
  const subject = w1Of(client);
  return withFreshTopics(
    ctx,
    subject,
    async (topics, admin) => {
      const running: Replica[] = [];
      try {
        const drain = await drainTogether(ctx, { subject, topics, admin, events: s.backlogEvents, count, running }, say);
        const { result, leave, join } = await rebalanceUnderLoad(ctx, { subject, topics, settings: s, running }, say);
        const notes = [...(result.notes ?? [])];
        if (join.failure !== null) notes.push(`the joiner did not start: ${join.failure}`);
        if (drain.drainMs === null) notes.push('the group did not drain its backlog');
        return {
          rep,
          client,
          replicas: count,
          drain,
          load: { rate: s.rate, missing: result.missing, duplicates: result.duplicates, peakOutstanding: result.lag.peakOutstanding },
          rebalances: [leave, join],
          notes,
        };
      } finally {
        await stopAll(running);
      }
    },
    true,
  );
}

interface GroupRun {
  readonly subject: SubjectId;
  readonly topics: RunTopics;
  /** The replicas now running, oldest first: what the run must stop, whatever happens. */
  readonly running: Replica[];
}

/** Starts `count` replicas at once on a backlog written first; they stay running for the load. */
async function drainTogether(
  ctx: RunContext,
  run: GroupRun & { readonly admin: Admin; readonly events: number; readonly count: number },
  say: Say,
): Promise<GroupDrain> {
  const { topics, running, count } = run;
  const { expected, produceEventsPerSec, collector } = await writeBacklog(ctx, topics, run.admin, run.events);
  say(
    `  backlog of ${expected.toLocaleString('en-US')} events written at ${Math.round(produceEventsPerSec).toLocaleString('en-US')}/s; starting ${count} replica(s)`,
  );
  try {
    const tSpawn = clock();
    // Each replica's first prediction is watched from the moment it is ready; settled, not all: a start
    // that fails must not leave the others starting unseen, and so never stopped.
    const attempts = await Promise.allSettled(
      Array.from({ length: count }, async () => {
        const replica = await startReplica(ctx, run.subject, topics);
        running.push(replica);
        return firstPrediction(replica);
      }),
    );
    const failed = attempts.find((a) => a.status === 'rejected');
    if (failed !== undefined) throw failed.reason;
    const firstPredictionMs = attempts.map((a) => (a.status === 'fulfilled' ? a.value : null));
    const formedMs = firstPredictionMs.some((ms) => ms === null) ? null : Math.max(...(firstPredictionMs as number[]));
    const sampled = await sampleUntilDrained(asOne(running), collector, expected, tSpawn);
    const hz = clockTicksPerSecond();
    const steady = steadyWindow(sampled.samples, expected, STEADY_SKIP_SHARE, formedMs ?? Infinity);
    const complete = collector.distinct >= expected;
    const last = collector.lastNewArrival;
    const drain: GroupDrain = {
      events: expected,
      formedMs,
      firstPredictionMs,
      drainMs: complete && last !== undefined ? Math.round(last - tSpawn) : null,
      steady: steady === null ? null : windowFigures(steady, hz),
      duplicates: collector.duplicates,
      missing: Math.max(0, expected - collector.distinct),
      peakRssMiB: sampled.peakRssMiB,
    };
    say(describeDrain(drain, count));
    return drain;
  } finally {
    await collector.stop();
  }
}

function seconds(ms: number | null): string {
  return ms === null ? 'never' : `${(ms / 1000).toFixed(1)} s`;
}

function describeDrain(d: GroupDrain, count: number): string {
  const st = d.steady;
  const steady =
    st === null || st.eventsPerSec === null
      ? 'no steady window'
      : `steady ${Math.round(st.eventsPerSec).toLocaleString('en-US')}/s (${Math.round(st.eventsPerSec / count).toLocaleString('en-US')}/s per replica) at ${st.cpuUsPerEvent?.toFixed(1) ?? '?'} µs/event`;
  return `  formed in ${seconds(d.formedMs)} (first predictions ${d.firstPredictionMs.map(seconds).join(', ')}); drained in ${seconds(d.drainMs)}; ${steady}; ${d.duplicates} duplicates`;
}

interface UnderLoad {
  readonly result: LoadResult;
  readonly leave: LeaveRecord;
  readonly join: JoinRecord;
}

/** The three windows of steady load: as it is, after the oldest replica left, after a new one joined. */
async function rebalanceUnderLoad(ctx: RunContext, run: GroupRun & { readonly settings: ScaleOutSettings }, say: Say): Promise<UnderLoad> {
  const { settings: s, running, topics } = run;
  const windowMs = s.windowSeconds * 1000;
  const profile: LoadProfile = { phases: [windowMs, windowMs, windowMs + JOIN_ALLOWANCE_MS].map((durationMs) => ({ rate: s.rate, durationMs })) };
  const stopLoad = new AbortController();
  const before = running.length;
  say(`  steady load at ${s.rate.toLocaleString('en-US')}/s, ${s.windowSeconds} s windows: ${before} replica(s), the oldest leaves, a new one joins`);
  let leaving: Promise<Omit<LeaveRecord, 'duplicates' | 'p99Ms'>> | undefined;
  let joining: Promise<Omit<JoinRecord, 'duplicates' | 'p99Ms'>> | undefined;
  const progress = createProgressWriter(process.stderr, profile.phases.length);
  let result: LoadResult;
  try {
    result = await runLoad({
      brokers: ctx.brokers,
      inputTopic: topics.inputTopic,
      outputTopic: topics.outputTopic,
      format: 'avro',
      registryUrl: ctx.registryUrl,
      profile,
      keys: { kind: 'uniform' },
      accounts: 10_000,
      seed: 2,
      drainTimeoutMs: LOAD_DRAIN_TIMEOUT_MS,
      warmupMs: 0,
      consumerGroup: topics.group,
      signal: stopLoad.signal,
      onProgress: (p) => {
        progress.update(p);
        // The ticks come once a second, on the load's own clock: each action falls in its window's first second.
        if (leaving === undefined && p.elapsedMs >= windowMs) leaving = handled(leave(running, p.elapsedMs));
        if (joining === undefined && p.elapsedMs >= 2 * windowMs) {
          joining = handled(join(ctx, run, p.elapsedMs));
          // A window after the joiner's first prediction; at once when it never came up.
          joining.then(
            (joined) => {
              if (joined.firstPredictionMs !== null) setTimeout(() => stopLoad.abort(), windowMs);
              else if (joined.failure !== null) stopLoad.abort();
            },
            () => stopLoad.abort(),
          );
        }
      },
    });
  } finally {
    progress.done();
    // A replica still starting when the load failed must be in `running` before the run stops them all.
    await Promise.allSettled([leaving, joining]);
  }
  if (leaving === undefined || joining === undefined) throw new Error('the load ended before the replicas left and joined');
  const [left, joined] = await Promise.all([leaving, joining]);
  const duplicates = duplicatesPerWindow(
    result.timeline,
    [1, 2, 3].map((i) => i * s.windowSeconds),
  );
  const p99 = (i: number) => result.phases[i]?.latency.p99 ?? 0;
  const record = { leave: { ...left, duplicates: duplicates[1] ?? 0, p99Ms: p99(1) }, join: { ...joined, duplicates: duplicates[2] ?? 0, p99Ms: p99(2) } };
  say(
    `  before: ${duplicates[0] ?? 0} duplicates; leave ${left.from} → ${left.to}: ${record.leave.duplicates} duplicates, exit after ${seconds(left.exitMs)}; join ${joined.from} → ${joined.from + 1}: ${joined.failure === null ? `${record.join.duplicates} duplicates, first prediction ${seconds(joined.firstPredictionMs)} after spawn (${seconds(joined.firstPredictionCpuMs)} of CPU)` : `failed to start (${joined.failure.split('\n', 1)[0]})`}; missing ${result.missing}`,
  );
  return { result, ...record };
}

/** Marks an action's rejection as handled: it is awaited only once the load is over, and reported then. */
function handled<T>(action: Promise<T>): Promise<T> {
  action.catch(() => undefined);
  return action;
}

/**
 * Out of `running` at once: a joiner that comes while the leaver still finishes its work counts the
 * replicas that stay. The load waits for this before the run stops the rest, so it is never left running.
 */
async function leave(running: Replica[], elapsedMs: number): Promise<Omit<LeaveRecord, 'duplicates' | 'p99Ms'>> {
  const from = running.length;
  const oldest = running.shift();
  if (oldest === undefined) throw new Error('no replica running to leave');
  const to = running.length;
  const t = clock();
  await oldest.handle.stop();
  const status = await oldest.handle.exited;
  const killed = status.signal === 'SIGKILL';
  return { kind: 'leave', from, to, atS: elapsedMs / 1000, exitMs: killed ? null : Math.round(clock() - t), exitCode: status.code };
}

/** A joiner that fails to start is recorded as such (with why), so the run keeps its drain and its leave. */
async function join(ctx: RunContext, run: GroupRun, elapsedMs: number): Promise<Omit<JoinRecord, 'duplicates' | 'p99Ms'>> {
  const from = run.running.length;
  const base = { kind: 'join', from, to: from + 1, atS: elapsedMs / 1000 } as const;
  let replica: Replica;
  try {
    replica = await startReplica(ctx, run.subject, run.topics);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    return { ...base, to: from, readyMs: null, firstPredictionMs: null, firstPredictionCpuMs: null, failure: message.slice(0, 3000) };
  }
  run.running.push(replica);
  const firstPredictionMs = await firstPrediction(replica);
  const ticks = firstPredictionMs === null ? undefined : replica.handle.cpuTicks();
  return {
    ...base,
    readyMs: Math.round(replica.readyMs),
    firstPredictionMs: firstPredictionMs === null ? null : Math.round(firstPredictionMs),
    firstPredictionCpuMs: ticks === undefined ? null : Math.round((ticks * 1000) / clockTicksPerSecond()),
    failure: null,
  };
}
