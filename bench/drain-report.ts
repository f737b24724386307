/**
 * The drain's report: per client, the pass-through's and W1's steady events/s and CPU per event, W1 as
 * a share of its client's pass-through against the issue's target, and platformatic against kafkajs;
 * the cost of a flow, of tracing and of exactly-once against W1. Every ratio is taken within one rotation (its
 * drains run back to back), then the median over rotations. Pure.
 */
import { CLIENTS, DEFAULT_CLIENT, ENRICH_W1, EXACTLY_ONCE_W1, FLOW_W1, passthroughOf, SUBJECTS, TRACED_W1, w1Of } from './catalog.ts';
import { FLOW_BASELINE, flowTargets } from './flow-report.ts';
import { atLeast, atMost, machineLine, runsLabel, type Target, targetTable } from './markdown.ts';
import type { DrainRun, DrainSubjectId, SuiteResults } from './results.ts';
import { defined, formatSpread, ratiosWithin, repetitions, type Spread, spread } from './spread.ts';
import { TRACING_CPU_TARGET, TRACING_SHARE_TARGET } from './tracing-subject.ts';

/** The issue's target: W1 on the default client drains at least this share of that client's pass-through. */
export const W1_SHARE_TARGET = 0.85;

export type DrainMetric = 'eventsPerSec' | 'cpuUsPerEvent';

/** One row of the client table: a figure on kafkajs, on platformatic, and their ratio within rotations. */
export interface ClientRow {
  readonly label: string;
  readonly unit: string;
  readonly kafkajs: Spread | null;
  readonly platformatic: Spread | null;
  /** platformatic / kafkajs; null for rows that are ratios already. */
  readonly ratio: Spread | null;
}

export interface SubjectRow {
  readonly subject: DrainSubjectId;
  readonly title: string;
  readonly steadyRate: Spread | null;
  readonly steadyCpu: Spread | null;
  readonly wholeCpu: Spread | null;
  readonly drainMs: Spread | null;
  readonly startCpuMs: Spread | null;
  readonly peakRssMiB: Spread | null;
  /** Drains of this subject that did not complete. */
  readonly incomplete: number;
}

export interface DrainSummary {
  readonly rotations: number;
  readonly targets: readonly Target[];
  readonly clients: readonly ClientRow[];
  readonly subjects: readonly SubjectRow[];
}

/** The steady figure of `subject` in rotation `rep`; null when that drain has none. */
export function steadyOf(drains: readonly DrainRun[], subject: DrainSubjectId, rep: number, metric: DrainMetric): number | null {
  return drains.find((d) => d.subject === subject && d.rep === rep)?.steady?.[metric] ?? null;
}

function rotationsOf(drains: readonly DrainRun[]): number[] {
  return repetitions(Math.max(0, ...drains.map((d) => d.rep)));
}

/** Median over rotations of one subject's steady figure. */
function figure(drains: readonly DrainRun[], subject: DrainSubjectId, metric: DrainMetric): Spread | null {
  return spread(defined(drains.filter((d) => d.subject === subject).map((d) => d.steady?.[metric])));
}

/** Per rotation a / b of a steady figure. */
export function rotationRatio(drains: readonly DrainRun[], a: DrainSubjectId, b: DrainSubjectId, metric: DrainMetric): Spread | null {
  return spread(
    ratiosWithin(
      rotationsOf(drains),
      (rep) => steadyOf(drains, a, rep, metric),
      (rep) => steadyOf(drains, b, rep, metric),
    ),
  );
}

function clientRow(
  label: string,
  unit: string,
  drains: readonly DrainRun[],
  of: (client: 'kafkajs' | 'platformatic') => DrainSubjectId,
  metric: DrainMetric,
): ClientRow {
  return {
    label,
    unit,
    kafkajs: figure(drains, of('kafkajs'), metric),
    platformatic: figure(drains, of('platformatic'), metric),
    ratio: rotationRatio(drains, of('platformatic'), of('kafkajs'), metric),
  };
}

function shareRow(label: string, drains: readonly DrainRun[], metric: DrainMetric): ClientRow {
  const share = (client: 'kafkajs' | 'platformatic') => rotationRatio(drains, w1Of(client), passthroughOf(client), metric);
  return { label, unit: '×', kafkajs: share('kafkajs'), platformatic: share('platformatic'), ratio: null };
}

function subjectRow(drains: readonly DrainRun[], subject: DrainSubjectId): SubjectRow {
  const runs = drains.filter((d) => d.subject === subject);
  const of = (pick: (d: DrainRun) => number | null | undefined) => spread(defined(runs.map(pick)));
  return {
    subject,
    title: SUBJECTS[subject].title,
    steadyRate: of((d) => d.steady?.eventsPerSec),
    steadyCpu: of((d) => d.steady?.cpuUsPerEvent),
    wholeCpu: of((d) => d.whole?.cpuUsPerEvent),
    drainMs: of((d) => d.drainMs),
    startCpuMs: of((d) => d.startCpuMs),
    peakRssMiB: of((d) => d.peakRssMiB),
    incomplete: runs.filter((d) => d.drainMs === null).length,
  };
}

export function summarizeDrains(drains: readonly DrainRun[]): DrainSummary {
  const w1Share = rotationRatio(drains, w1Of(DEFAULT_CLIENT), passthroughOf(DEFAULT_CLIENT), 'eventsPerSec');
  const other = CLIENTS.find((c) => c !== DEFAULT_CLIENT) ?? 'kafkajs';
  const otherShare = rotationRatio(drains, w1Of(other), passthroughOf(other), 'eventsPerSec');
  const targets: Target[] = [
    {
      name: `W1 / pass-through on the default client (${DEFAULT_CLIENT}), drain events/s`,
      goal: `≥ ${W1_SHARE_TARGET}`,
      measured: w1Share,
      unit: '×',
      met: atLeast(w1Share, W1_SHARE_TARGET),
    },
    {
      name: `Reference: W1 / pass-through on ${other}, drain events/s`,
      goal: 'none (the target is the default client’s)',
      measured: otherShare,
      unit: '×',
      met: null,
    },
  ];
  if (drains.some((d) => d.subject === FLOW_W1)) {
    targets.push(
      ...flowTargets(
        { what: 'drain events/s', ratio: rotationRatio(drains, FLOW_W1, FLOW_BASELINE, 'eventsPerSec') },
        { what: 'CPU per event', ratio: rotationRatio(drains, FLOW_W1, FLOW_BASELINE, 'cpuUsPerEvent') },
      ),
    );
  }
  if (drains.some((d) => d.subject === TRACED_W1)) targets.push(...tracingTargets(drains));
  for (const enriched of ENRICH_W1) {
    if (!drains.some((d) => d.subject === enriched)) continue;
    for (const [metric, what] of [
      ['eventsPerSec', 'drain events/s'],
      ['cpuUsPerEvent', 'CPU per event'],
    ] as const) {
      targets.push({
        name: `Cost of enrichment: ${SUBJECTS[enriched].title} / W1 on platformatic, ${what}`,
        goal: 'none (what a bare flow with one Redis lookup per event costs)',
        measured: rotationRatio(drains, enriched, FLOW_BASELINE, metric),
        unit: '×',
        met: null,
      });
    }
  }
  if (drains.some((d) => d.subject === EXACTLY_ONCE_W1)) {
    for (const [metric, what] of [
      ['eventsPerSec', 'drain events/s'],
      ['cpuUsPerEvent', 'CPU per event'],
    ] as const) {
      targets.push({
        name: `Cost of exactly-once: W1 exactly-once / W1 at-least-once on platformatic, ${what}`,
        goal: 'none (what the transactions cost)',
        measured: rotationRatio(drains, EXACTLY_ONCE_W1, w1Of('platformatic'), metric),
        unit: '×',
        met: null,
      });
    }
  }
  const clients: ClientRow[] = [
    clientRow('pass-through, events/s', 'events/s', drains, passthroughOf, 'eventsPerSec'),
    clientRow('pass-through, CPU per event', 'µs/event', drains, passthroughOf, 'cpuUsPerEvent'),
    clientRow('W1 scorer, events/s', 'events/s', drains, w1Of, 'eventsPerSec'),
    clientRow('W1 scorer, CPU per event', 'µs/event', drains, w1Of, 'cpuUsPerEvent'),
    shareRow(`W1 / pass-through, events/s (target ≥ ${W1_SHARE_TARGET} on ${DEFAULT_CLIENT})`, drains, 'eventsPerSec'),
    shareRow('W1 / pass-through, CPU per event', drains, 'cpuUsPerEvent'),
  ];
  const ids: DrainSubjectId[] = CLIENTS.flatMap((client) => [passthroughOf(client), w1Of(client)]);
  for (const extra of [TRACED_W1, FLOW_W1, ...ENRICH_W1, EXACTLY_ONCE_W1] as const) if (drains.some((d) => d.subject === extra)) ids.push(extra);
  const subjects = ids.map((s) => subjectRow(drains, s));
  return { rotations: rotationsOf(drains).length, targets, clients, subjects };
}

/** Issue 11: tracing at 1% sampling costs under 10%: traced W1 against plain W1 on its client, rate and CPU per event. */
function tracingTargets(drains: readonly DrainRun[]): Target[] {
  const baseline = w1Of(SUBJECTS[TRACED_W1].client ?? DEFAULT_CLIENT);
  const name = (what: string) => `Cost of tracing at 1%: traced W1 / ${SUBJECTS[baseline].title}, ${what}`;
  const rate = rotationRatio(drains, TRACED_W1, baseline, 'eventsPerSec');
  const cpu = rotationRatio(drains, TRACED_W1, baseline, 'cpuUsPerEvent');
  return [
    { name: name('drain events/s'), goal: `≥ ${TRACING_SHARE_TARGET}`, measured: rate, unit: '×', met: atLeast(rate, TRACING_SHARE_TARGET) },
    { name: name('CPU per event'), goal: `≤ ${TRACING_CPU_TARGET}`, measured: cpu, unit: '×', met: atMost(cpu, TRACING_CPU_TARGET) },
  ];
}

/** The drain's Markdown, or null when the run made no drain. */
export function renderDrainMarkdown(results: SuiteResults): string | null {
  if (results.drains.length === 0) return null;
  const { rotations, targets, clients, subjects } = summarizeDrains(results.drains);
  const runs = runsLabel(rotations, 'rotations');
  const events = results.settings.backlogEvents.toLocaleString('en-US');
  const cell = (v: Spread | null, unit: string) => (v === null ? '–' : formatSpread(v, unit));
  const after = [
    [TRACED_W1, 'W1 traced at 1%'],
    [FLOW_W1, 'W1 through a flow (hooks, A/B)'],
    [ENRICH_W1[0], 'W1 with enrichment at 0% and 90% cache hits'],
    [EXACTLY_ONCE_W1, 'W1 exactly-once'],
  ].flatMap(([id, what]) => (results.drains.some((d) => d.subject === id) ? [what] : []));
  return [
    `Drain of ${events} W1 events, ${rotations} rotation${rotations === 1 ? '' : 's'} (W1 and pass-through on kafkajs, then on platformatic${after.length === 0 ? '' : ` with ${after.join(', then ')} after W1`}), ${results.startedAt.slice(0, 10)}: ${machineLine(results)}. Steady part: the middle 80% of the predictions by count; CPU is the subject process's user + system time (all threads) over the predictions it produced; ratios are taken within each rotation.`,
    '',
    ...targetTable(targets, runs),
    '',
    `| Drain, steady part, ${runs} | kafkajs | platformatic | platformatic / kafkajs |`,
    '|---|---|---|---|',
    ...clients.map(
      (r) => `| ${r.label} | ${cell(r.kafkajs, r.unit)} | ${cell(r.platformatic, r.unit)} | ${r.ratio === null ? '–' : formatSpread(r.ratio, '×')} |`,
    ),
    '',
    '| Subject | steady events/s | steady CPU | whole-drain CPU | time to drain (ready → last prediction) | start-up CPU | peak RSS |',
    '|---|---|---|---|---|---|---|',
    ...subjects.map(
      (s) =>
        `| ${s.title}${s.incomplete > 0 ? ` (**${s.incomplete} incomplete**)` : ''} | ${formatSpread(s.steadyRate, 'events/s')} | ${formatSpread(s.steadyCpu, 'µs/event')} | ${formatSpread(s.wholeCpu, 'µs/event')} | ${formatSpread(s.drainMs, 'ms')} | ${formatSpread(s.startCpuMs, 'ms')} | ${formatSpread(s.peakRssMiB, 'MiB')} |`,
    ),
    '',
  ].join('\n');
}
