/**
 * `npm run bench` flags. Full mode follows PROTOCOL.md (3 repetitions, 60 s trials and burst phases)
 * and takes about an hour on 2 cores; --quick is a 10-minute smoke run of the same stages whose numbers
 * are indicative only.
 */

import { availableParallelism } from 'node:os';
import { parseArgs } from 'node:util';
import { parseDuration, UsageError } from '../loadgen/profile.ts';

export const STAGES = ['ceilings', 'w2', 'kafka', 'w1', 'naive', 'platformatic', 'fixed', 'burst'] as const;
export type Stage = (typeof STAGES)[number];

export interface BenchOptions {
  /** full: PROTOCOL.md's settings; custom: full with a shorter or longer schedule given by flags. */
  readonly mode: 'full' | 'quick' | 'custom';
  readonly repeat: number;
  readonly trialMs: number;
  readonly burstPhaseMs: number;
  /** How long the generator produces as fast as it can to find each search's first guess. */
  readonly probeMs: number;
  readonly warmupMs: number;
  readonly threads: number;
  readonly partitions: number;
  readonly fixedRates: readonly number[];
  readonly burstBaseRate: number;
  readonly stages: readonly Stage[];
  readonly brokers: readonly string[];
  readonly outDir: string;
  readonly updateReadme: boolean;
}

export const USAGE = `usage: npm run bench -- [flags]

Runs PROTOCOL.md's suite against the broker on --brokers: inference ceilings, W2, the Kafka ceiling,
W1, the naive scorer, the @platformatic/kafka reference, W1 at fixed rates and the burst, repeated and
interleaved; writes <out>/<date>.json, <out>/<date>.md and charts in <out>/<date>/.

  --quick               1 repetition, 10 s trials and burst phases (indicative only)
  --repeat N            repetitions (full: 3)
  --trial DURATION      length of each trial (full: 60s)
  --burst-phase DUR     length of each burst phase (full: 60s)
  --probe DURATION      as-fast-as-possible run that seeds each search (full: 15s)
  --threads N           inference threads for the scorer and the ceiling (default: the scorer's, max(1, cores - 1))
  --partitions N        input and output partitions (6)
  --rates LIST          W1 fixed rates (200,1000,5000,20000)
  --burst-base N        steady rate of the burst; the burst is 10x (5000)
  --only LIST           stages to run, of ${STAGES.join(',')}
  --brokers LIST        (127.0.0.1:9092)
  --out DIR             (bench/results)
  --update-readme       replace the README's benchmark table with this run's
  --help`;

function positiveInt(value: string, flag: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new UsageError(flag, `must be a positive integer, got "${value}"`);
  return n;
}

const OPTIONS = {
  quick: { type: 'boolean', default: false },
  repeat: { type: 'string' },
  trial: { type: 'string' },
  'burst-phase': { type: 'string' },
  probe: { type: 'string' },
  threads: { type: 'string' },
  partitions: { type: 'string', default: '6' },
  rates: { type: 'string', default: '200,1000,5000,20000' },
  'burst-base': { type: 'string', default: '5000' },
  only: { type: 'string', default: STAGES.join(',') },
  brokers: { type: 'string', default: '127.0.0.1:9092' },
  out: { type: 'string', default: 'bench/results' },
  'update-readme': { type: 'boolean', default: false },
  help: { type: 'boolean', default: false },
} as const;

function parseFlags(argv: readonly string[]) {
  return parseArgs({ args: [...argv], strict: true, options: OPTIONS });
}

export function parseBenchArgs(argv: readonly string[]): BenchOptions | 'help' {
  let parsed: ReturnType<typeof parseFlags>;
  try {
    parsed = parseFlags(argv);
  } catch (error) {
    throw new UsageError('bench', (error as Error).message);
  }
  const v = parsed.values;
  if (v.help) return 'help';
  const quick = v.quick === true;
  const stages = v.only
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  for (const stage of stages) {
    if (!(STAGES as readonly string[]).includes(stage)) throw new UsageError('--only', `unknown stage "${stage}"; stages are ${STAGES.join(', ')}`);
  }
  return {
    mode: quick ? 'quick' : [v.repeat, v.trial, v['burst-phase'], v.probe].some((f) => f !== undefined) ? 'custom' : 'full',
    repeat: v.repeat === undefined ? (quick ? 1 : 3) : positiveInt(v.repeat, '--repeat'),
    trialMs: parseDuration(v.trial ?? (quick ? '10s' : '60s'), '--trial'),
    burstPhaseMs: parseDuration(v['burst-phase'] ?? (quick ? '10s' : '60s'), '--burst-phase'),
    probeMs: parseDuration(v.probe ?? (quick ? '8s' : '15s'), '--probe'),
    warmupMs: quick ? 2_000 : 5_000,
    threads: v.threads === undefined ? Math.max(1, availableParallelism() - 1) : positiveInt(v.threads, '--threads'),
    partitions: positiveInt(v.partitions, '--partitions'),
    fixedRates: v.rates.split(',').map((r) => positiveInt(r.trim(), '--rates')),
    burstBaseRate: positiveInt(v['burst-base'], '--burst-base'),
    stages: stages as Stage[],
    brokers: v.brokers
      .split(',')
      .map((b) => b.trim())
      .filter(Boolean),
    outDir: v.out,
    updateReadme: v['update-readme'] === true,
  };
}
