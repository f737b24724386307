/**
 * The scale-out stage's report: per client and replica count, the group's drain events/s, per replica
 * and against one replica, CPU per event against one replica, and what each rebalance cost: duplicates
 * per window, the leaver's exit, the joiner's time to its first prediction, p99 per window, and the
 * inputs still without a prediction when the run gave up waiting.
 * Ratios are taken within a repetition, then the median. Pure.
 */
import type { ClientName } from '../src/kafka/client.ts';
import { CLIENTS } from './catalog.ts';
import { atMost, machineLine, runsLabel, type Target, targetTable } from './markdown.ts';
import type { JoinRecord, LeaveRecord, ScaleOutRun, SuiteResults } from './results.ts';
import { defined, formatSpread, ratiosWithin, repetitions, type Spread, spread } from './spread.ts';

/** Issue 9: a new replica predicts at most this long after its start. */
export const FIRST_PREDICTION_TARGET_MS = 5000;

/** Where a planned rebalance replays nothing (cooperative, revocation awaited): the README's client table. */
const COOPERATIVE: Record<ClientName, boolean> = { platformatic: true, kafkajs: false };

export interface ScaleOutRow {
  readonly client: ClientName;
  readonly replicas: number;
  readonly eventsPerSec: Spread | null;
  readonly perReplica: Spread | null;
  /** events/s against the first replica count's, within each repetition. */
  readonly speedup: Spread | null;
  readonly cpuUsPerEvent: Spread | null;
  readonly cpuRatio: Spread | null;
  readonly formedMs: Spread | null;
  readonly formingDuplicates: Spread | null;
  readonly leaveDuplicates: Spread | null;
  readonly exitMs: Spread | null;
  readonly joinDuplicates: Spread | null;
  readonly joinFirstPredictionMs: Spread | null;
  readonly joinFirstPredictionCpuMs: Spread | null;
  readonly leaveP99Ms: Spread | null;
  readonly joinP99Ms: Spread | null;
  /**
   * Inputs without a prediction when the run stopped waiting (the drain's stall, the load's 60 s after
   * its end), drain and load together, summed over repetitions: lost, or held by a group stuck longer.
   */
  readonly missing: number;
  readonly failed: number;
  /** Joiners that did not start. */
  readonly failedJoins: number;
}

export interface ScaleOutSummary {
  readonly repetitions: number;
  readonly targets: readonly Target[];
  readonly rows: readonly ScaleOutRow[];
}

const leaveOf = (run: ScaleOutRun) => run.rebalances.find((r): r is LeaveRecord => r.kind === 'leave');
const joinOf = (run: ScaleOutRun) => run.rebalances.find((r): r is JoinRecord => r.kind === 'join');
const missingOf = (run: ScaleOutRun) => (run.drain?.missing ?? 0) + (run.load?.missing ?? 0);

/** A rebalance among members: one stays through the leave, one was there for the join. */
function planned(run: ScaleOutRun): number[] {
  return run.rebalances.filter((r) => r.from > 0 && r.to > 0).map((r) => r.duplicates);
}

function row(runs: readonly ScaleOutRun[], client: ClientName, replicas: number, baseline: number): ScaleOutRow {
  const mine = runs.filter((r) => r.client === client && r.replicas === replicas);
  const of = (pick: (r: ScaleOutRun) => number | null | undefined) => spread(defined(mine.map(pick)));
  const steadyOf = (n: number, metric: 'eventsPerSec' | 'cpuUsPerEvent') => (rep: number) =>
    runs.find((r) => r.client === client && r.replicas === n && r.rep === rep)?.drain?.steady?.[metric];
  const reps = repetitions(Math.max(0, ...runs.map((r) => r.rep)));
  return {
    client,
    replicas,
    eventsPerSec: of((r) => r.drain?.steady?.eventsPerSec),
    perReplica: of((r) => (r.drain?.steady?.eventsPerSec ?? Number.NaN) / replicas),
    speedup: spread(ratiosWithin(reps, steadyOf(replicas, 'eventsPerSec'), steadyOf(baseline, 'eventsPerSec'))),
    cpuUsPerEvent: of((r) => r.drain?.steady?.cpuUsPerEvent),
    cpuRatio: spread(ratiosWithin(reps, steadyOf(replicas, 'cpuUsPerEvent'), steadyOf(baseline, 'cpuUsPerEvent'))),
    formedMs: of((r) => r.drain?.formedMs),
    formingDuplicates: of((r) => r.drain?.duplicates),
    leaveDuplicates: of((r) => leaveOf(r)?.duplicates),
    exitMs: of((r) => leaveOf(r)?.exitMs),
    joinDuplicates: of((r) => joinOf(r)?.duplicates),
    joinFirstPredictionMs: of((r) => joinOf(r)?.firstPredictionMs),
    joinFirstPredictionCpuMs: of((r) => joinOf(r)?.firstPredictionCpuMs),
    leaveP99Ms: of((r) => leaveOf(r)?.p99Ms),
    joinP99Ms: of((r) => joinOf(r)?.p99Ms),
    missing: mine.reduce((sum, r) => sum + missingOf(r), 0),
    failed: mine.filter((r) => r.drain === null || r.load === null).length,
    failedJoins: mine.filter((r) => (joinOf(r)?.failure ?? null) !== null).length,
  };
}

function targetsOf(runs: readonly ScaleOutRun[]): Target[] {
  const targets: Target[] = [];
  for (const client of CLIENTS) {
    const mine = runs.filter((r) => r.client === client);
    if (mine.length === 0) continue;
    // Joining a group that has members: with one replica the join is a restart into an empty group.
    const firsts = spread(defined(mine.filter((r) => r.replicas > 1).map((r) => joinOf(r)?.firstPredictionMs)));
    targets.push({
      name: `New replica joining under load: spawn to its first prediction (${client})`,
      goal: `≤ ${FIRST_PREDICTION_TARGET_MS / 1000} s`,
      measured: firsts,
      unit: 'ms',
      met: atMost(firsts, FIRST_PREDICTION_TARGET_MS),
    });
    const duplicates = mine.flatMap(planned);
    const perRebalance = spread(duplicates);
    targets.push({
      name: `Duplicates per planned rebalance, a replica leaving on SIGTERM or joining (${client})`,
      goal: COOPERATIVE[client] ? '0 (cooperative, revocation awaited)' : 'none (eager: bounded by the uncommitted windows revoked)',
      measured: perRebalance,
      unit: 'events',
      met: COOPERATIVE[client] && duplicates.length > 0 ? duplicates.every((d) => d === 0) : null,
    });
  }
  const missing = runs.map(missingOf);
  targets.push({
    name: 'Missing: inputs without a prediction when the run stopped waiting, per run (drain and load)',
    goal: '0',
    measured: spread(missing),
    unit: 'events',
    met: missing.length === 0 ? null : missing.every((n) => n === 0),
  });
  return targets;
}

export function summarizeScaleOut(runs: readonly ScaleOutRun[], replicaCounts: readonly number[]): ScaleOutSummary {
  const baseline = replicaCounts[0] ?? 1;
  const rows = CLIENTS.flatMap((client) =>
    replicaCounts.filter((n) => runs.some((r) => r.client === client && r.replicas === n)).map((n) => row(runs, client, n, baseline)),
  );
  return { repetitions: Math.max(0, ...runs.map((r) => r.rep)), targets: targetsOf(runs), rows };
}

/** The scale-out stage's Markdown, or null when it did not run. */
export function renderScaleOutMarkdown(results: SuiteResults): string | null {
  if (results.scaleOut.length === 0) return null;
  const s = results.settings.scaleOut;
  const { repetitions: reps, targets, rows } = summarizeScaleOut(results.scaleOut, s.replicaCounts);
  const runs = runsLabel(reps, 'repetitions');
  const f = formatSpread;
  const label = (r: ScaleOutRow) =>
    `${r.replicas} × W1 (${r.client})${r.failed > 0 ? ` (**${r.failed} failed**)` : ''}${r.failedJoins > 0 ? ` (**${r.failedJoins} join${r.failedJoins === 1 ? '' : 's'} failed to start**)` : ''}`;
  const ratio = (r: ScaleOutRow, v: Spread | null) => (r.replicas === s.replicaCounts[0] ? '1 (baseline)' : f(v, '×'));
  return [
    `Scale-out, ${results.startedAt.slice(0, 10)}: ${s.replicaCounts.join(', ')} W1 replicas (each its own scorer process) in one consumer group on ${s.partitions} partitions, on each client; ${machineLine(results, s.partitions)}. **On ${results.machine.cores} cores more replicas cannot bring more CPU**: the ratios against one replica show what rebalancing and coordination cost, not a speed-up; the broker and the load generator share the same cores.`,
    '',
    `Throughput: the replicas start together on a backlog of ${s.backlogEvents.toLocaleString('en-US')} W1 events; events/s and CPU per event (user + system of every replica, all threads, over the predictions) over the steady part, from the moment each replica has predicted (and 10% of the backlog) to 90%. Then steady load at ${s.rate.toLocaleString('en-US')} events/s in three ${s.windowSeconds} s windows: the oldest replica leaves on SIGTERM at the start of the second, a new one joins at the start of the third (which lasts until a window after the joiner's first prediction). Duplicates: predictions for an input offset already predicted, counted from the output topic by the load generator's collector, in each window. With one replica the leave empties the group and the join is a restart.`,
    '',
    ...targetTable(targets, runs),
    '',
    `| Drain, ${runs} | events/s | per replica | × ${s.replicaCounts[0]} replica | CPU per event | × ${s.replicaCounts[0]} replica | spawn → every replica predicting |`,
    '|---|---|---|---|---|---|---|',
    ...rows.map(
      (r) =>
        `| ${label(r)} | ${f(r.eventsPerSec, 'events/s')} | ${f(r.perReplica, 'events/s')} | ${ratio(r, r.speedup)} | ${f(r.cpuUsPerEvent, 'µs/event')} | ${ratio(r, r.cpuRatio)} | ${f(r.formedMs, 'ms')} |`,
    ),
    '',
    `| Rebalances, ${runs} | duplicates while forming | leave: duplicates | leaver's exit after SIGTERM | p99 after the leave | join: duplicates | joiner's first prediction | its CPU until then | p99 after the join | missing |`,
    '|---|---|---|---|---|---|---|---|---|---|',
    ...rows.map(
      (r) =>
        `| ${label(r)} | ${f(r.formingDuplicates, 'events')} | ${f(r.leaveDuplicates, 'events')} | ${f(r.exitMs, 'ms')} | ${f(r.leaveP99Ms, 'ms')} | ${f(r.joinDuplicates, 'events')} | ${f(r.joinFirstPredictionMs, 'ms')} | ${f(r.joinFirstPredictionCpuMs, 'ms')} | ${f(r.joinP99Ms, 'ms')} | ${r.missing.toLocaleString('en-US')} |`,
    ),
    '',
  ].join('\n');
}
