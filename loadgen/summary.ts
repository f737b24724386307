/**
 * The human summary printed at the end of a load run: counts, latency overall and per phase, lag and
 * memory. Lost or duplicated predictions are flagged loudly: they matter more than any latency number.
 */

import { describeKeys } from './keys.ts';
import { describeProfile, formatCount, formatDuration, formatMs, formatRate } from './profile.ts';
import type { LatencySummary, LoadResult } from './types.ts';

const FLAG = '<-- !!';

/**
 * Rows as aligned columns two spaces apart, indented by two. `align` has one letter a column, l or r;
 * by default the first column is left-aligned (labels) and the others right-aligned (numbers).
 */
export function formatTable(rows: readonly (readonly string[])[], align = 'l'): string[] {
  const widths: number[] = [];
  for (const row of rows) {
    row.forEach((cell, i) => {
      widths[i] = Math.max(widths[i] ?? 0, cell.length);
    });
  }
  const pad = (cell: string, i: number): string => ((align[i] ?? 'r') === 'l' ? cell.padEnd(widths[i] ?? 0) : cell.padStart(widths[i] ?? 0));
  return rows.map((row) => `  ${row.map(pad).join('  ')}`.trimEnd());
}

/** A latency in ms with one decimal, without the unit (the table header carries it). */
const ms = (value: number): string => formatMs(value).replace(/ ms$/, '');

function eventLines(r: LoadResult): string[] {
  const flag = (count: number, what: string): string => (count > 0 ? `${FLAG} ${what}` : '');
  const seconds = formatDuration(r.durationMs);
  return formatTable(
    [
      ['sent', formatCount(r.sent), flag(r.sendErrors, `${formatCount(r.sendErrors)} send errors`)],
      ['received', formatCount(r.received), 'predictions, duplicates included'],
      ['distinct', formatCount(r.distinct), 'events with a prediction'],
      ['duplicates', formatCount(r.duplicates), flag(r.duplicates, 'DUPLICATES')],
      ['missing', formatCount(r.missing), flag(r.missing, 'MISSING PREDICTIONS')],
      ['throughput', `${formatCount(r.throughput)}/s`, `distinct over ${seconds}`],
    ],
    'lrl',
  );
}

const latencyCells = (l: LatencySummary): string[] => [l.p50, l.p90, l.p99, l.p999, l.max, l.mean].map(ms);

function latencyLines(r: LoadResult): string[] {
  return formatTable([
    ['', 'predictions', 'p50', 'p90', 'p99', 'p99.9', 'max', 'mean'],
    ['overall', formatCount(r.latency.count), ...latencyCells(r.latency)],
  ]);
}

function phaseLines(r: LoadResult): string[] {
  const rows = r.phases.map((phase, i) => [
    String(i + 1),
    formatRate(phase.rate),
    formatDuration(phase.durationMs),
    formatCount(phase.sent),
    `${formatCount(phase.achievedSendRate)}/s`,
    formatCount(phase.latency.count),
    ms(phase.latency.p50),
    ms(phase.latency.p99),
    ms(phase.latency.max),
  ]);
  return formatTable([['#', 'rate', 'duration', 'sent', 'achieved', 'predictions', 'p50', 'p99', 'max'], ...rows]);
}

function lagLines(r: LoadResult): string[] {
  const rows = [['peak outstanding', formatCount(r.lag.peakOutstanding), '']];
  if (r.lag.peakGroupLag !== undefined) rows.push(['peak group lag', formatCount(r.lag.peakGroupLag), '']);
  const drain = r.lag.drainMs;
  rows.push(['drain', drain === null ? 'never' : formatDuration(drain), drain === null ? `${FLAG} outstanding never fell to 0` : '']);
  return formatTable(rows, 'lrl');
}

/** One line that says whether every event got exactly one prediction. */
function verdict(r: LoadResult): string {
  const problems = [
    r.missing > 0 ? `${formatCount(r.missing)} missing` : '',
    r.duplicates > 0 ? `${formatCount(r.duplicates)} duplicates` : '',
    r.sendErrors > 0 ? `${formatCount(r.sendErrors)} send errors` : '',
  ].filter((text) => text !== '');
  return problems.length === 0 ? 'OK: every event sent got a prediction, none twice' : `!! PROBLEM: ${problems.join(', ')}`;
}

export function formatSummary(result: LoadResult): string {
  const o = result.options;
  const lines = [
    `Load run started ${result.startedAt}`,
    `  profile   ${describeProfile(o.profile)}`,
    `  workload  ${o.format}, keys ${describeKeys(o.keys)} over ${formatCount(o.accounts)} accounts, seed ${o.seed}`,
    `  topics    ${o.inputTopic} -> ${o.outputTopic}`,
    '',
    'Events',
    ...eventLines(result),
    '',
    o.warmupMs > 0
      ? `Latency, ms (end to end; events scheduled in the first ${formatDuration(o.warmupMs)} left out as warmup)`
      : 'Latency, ms (end to end, no warmup left out)',
    ...latencyLines(result),
    '',
    'Phases (latency in ms)',
    ...phaseLines(result),
    '',
    'Lag',
    ...lagLines(result),
  ];
  const memory = result.memory;
  if (memory !== undefined) {
    const mib = (value: number): string => `${formatCount(value)} MiB`;
    lines.push('', 'Memory (RSS of the process under test)');
    lines.push(`  start ${mib(memory.startMiB)}, peak ${mib(memory.peakMiB)}, end ${mib(memory.endMiB)}`);
  }
  lines.push('', verdict(result));
  return `${lines.join('\n')}\n`;
}
