/**
 * What both Markdown reports (the drain's and the open-loop suite's) are made of: the machine line,
 * targets with met or missed, and the "over N runs" wording. Pure.
 */
import type { SuiteResults } from './results.ts';
import { formatSpread, type Spread } from './spread.ts';

export interface Target {
  readonly name: string;
  readonly goal: string;
  readonly measured: Spread | null;
  readonly unit: string;
  /** null when not measured in this run, or when the row is a reference without a goal. */
  readonly met: boolean | null;
}

export function atLeast(measured: Spread | null, goal: number): boolean | null {
  return measured === null ? null : measured.median >= goal;
}

export function atMost(measured: Spread | null, goal: number): boolean | null {
  return measured === null ? null : measured.median <= goal;
}

/** "one run" or "median (min–max) over 3 runs"; `noun` names what was repeated. */
export function runsLabel(n: number, noun = 'runs'): string {
  return n === 1 ? `one ${noun.replace(/s$/, '')}` : `median (min–max) over ${n} ${noun}`;
}

/** Cores, CPU, memory, OS, Node, Kafka, where the broker ran, threads and partitions (the stage's own, when it has). */
export function machineLine(results: SuiteResults, partitions = results.settings.partitions): string {
  const m = results.machine;
  const s = results.settings;
  return [
    `${m.cores} cores (${m.cpuModel}), ${m.memoryGiB} GiB, ${m.os}; Node ${m.node}; Kafka ${m.kafka}`,
    m.brokerColocated ? 'broker, subjects and load generator on the same machine' : 'broker on another machine',
    `${s.threads} inference thread${s.threads === 1 ? '' : 's'}, ${partitions} partitions`,
  ].join('; ');
}

export function targetTable(targets: readonly Target[], runs: string): string[] {
  return [
    `| Target | Goal | Measured, ${runs} | Met |`,
    '|---|---|---|---|',
    ...targets.map((t) => `| ${t.name} | ${t.goal} | ${formatSpread(t.measured, t.unit)} | ${t.met === null ? '–' : t.met ? 'yes' : '**no**'} |`),
  ];
}
