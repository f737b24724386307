/**
 * `npm run bench` flags. Full mode follows PROTOCOL.md (3 repetitions, 60 s trials and burst phases)
 * and takes well over an hour on 2 cores; --quick is a smoke run of the same stages (about 8 minutes here) whose
 * numbers are indicative only. The drain stage runs one rotation per repetition.
 */

import { availableParallelism } from 'node:os';
import { parseArgs } from 'node:util';
import { parseDuration, UsageError } from '../loadgen/profile.ts';

export const STAGES = ['ceilings', 'drain', 'w2', 'passthrough', 'w1', 'flow', 'naive', 'fixed', 'burst', 'scale-out'] as const;
export type Stage = (typeof STAGES)[number];

/** The drain: 400,000 W1 events, about 5-10 s of work for each subject here. */
export const DEFAULT_BACKLOG = 400_000;

/** The scale-out stage's defaults, full and --quick: the backlog the group drains, the load while it rebalances. */
export const SCALE_OUT = {
  full: { backlog: 400_000, rate: 5000, window: '10s' },
  quick: { backlog: 200_000, rate: 5000, window: '5s' },
} as const;

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
  /** W1 events written before each drain subject starts. */
  readonly backlogEvents: number;
  /** W1 events each replica group of the scale-out stage drains. */
  readonly scaleBacklogEvents: number;
  /** Offered rate while replicas leave and join. */
  readonly scaleRate: number;
  /** Each window of that load: before the leave, after it, after the join. */
  readonly scaleWindowMs: number;
  readonly stages: readonly Stage[];
  readonly brokers: readonly string[];
  readonly outDir: string;
  readonly updateReadme: boolean;
}

export const USAGE = `usage: npm run bench -- [flags]

Runs PROTOCOL.md's suite against the broker on --brokers, each repetition in this order:
  ceilings     raw onnxruntime-node on fraud and heavy, no Kafka
  drain        a backlog of W1 events drained by W1 and the pass-through on each client, and on
               platformatic by W1 through a flow, W1 with enrichment from Redis (0% and 90% cache
               hits, a redis-server of the run's own) and W1 in exactly-once mode (A, B, C, D, E, F),
               events/s and CPU µs/event over the steady middle; one rotation per repetition
  w2           W2's highest sustainable rate (default client)
  passthrough  the pass-through's highest sustainable rate, on kafkajs and on platformatic
  w1           W1's highest sustainable rate, on kafkajs and on platformatic
  flow         the highest sustainable rate of W1 through a flow (hooks, A/B) on platformatic, right
               after platformatic's W1 (with w1 in --only): flow / W1, target ≥ 0.8
  naive        the naive scorer's highest sustainable rate
  fixed        W1 (default client) at fixed rates: latency
  burst        W1 (default client) steady, 10x, steady
  scale-out    1, 2 and 3 W1 replicas in one group on 12 partitions, on each client: the backlog they
               drain together (events/s, per replica, CPU µs/event), then under steady load the oldest
               leaves on SIGTERM and a new one joins (duplicates per rebalance, the joiner's time to
               its first prediction); about 20 minutes in full, 5 with --quick
Writes <out>/<date>.json, <out>/<date>.md and charts in <out>/<date>/. Every figure comes with the
subject's CPU per event (user + system over the predictions it produced).

  --quick               1 repetition, 10 s trials and burst phases (indicative only)
  --repeat N            repetitions, and drain rotations (full: 3)
  --trial DURATION      length of each trial (full: 60s)
  --burst-phase DUR     length of each burst phase (full: 60s)
  --probe DURATION      as-fast-as-possible run that seeds each search (full: 15s)
  --threads N           inference threads for the scorer and the ceiling (default: the scorer's, max(1, cores - 1))
  --partitions N        input and output partitions (6)
  --rates LIST          W1 fixed rates (200,1000,5000,20000)
  --burst-base N        steady rate of the burst; the burst is 10x (5000)
  --backlog N           W1 events each drain subject empties (400000)
  --scale-backlog N     W1 events each scale-out group drains (400000; quick 200000)
  --scale-rate N        events/s while scale-out replicas leave and join (5000)
  --scale-window DUR    each window of that load: before, after the leave, after the join (10s; quick 5s)
  --only LIST           stages to run, of ${STAGES.join(',')}
  --brokers LIST        (127.0.0.1:9092)
  --out DIR             (bench/results)
  --update-readme       replace the README's benchmark tables with this run's (the drain's, the rest's, or both)
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
  backlog: { type: 'string' },
  'scale-backlog': { type: 'string' },
  'scale-rate': { type: 'string' },
  'scale-window': { type: 'string' },
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
  const scale = SCALE_OUT[quick ? 'quick' : 'full'];
  const stages = v.only
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  for (const stage of stages) {
    if (!(STAGES as readonly string[]).includes(stage)) throw new UsageError('--only', `unknown stage "${stage}"; stages are ${STAGES.join(', ')}`);
  }
  return {
    mode: quick
      ? 'quick'
      : [v.repeat, v.trial, v['burst-phase'], v.probe, v.backlog, v['scale-backlog'], v['scale-rate'], v['scale-window']].some((f) => f !== undefined)
        ? 'custom'
        : 'full',
    repeat: v.repeat === undefined ? (quick ? 1 : 3) : positiveInt(v.repeat, '--repeat'),
    trialMs: parseDuration(v.trial ?? (quick ? '10s' : '60s'), '--trial'),
    burstPhaseMs: parseDuration(v['burst-phase'] ?? (quick ? '10s' : '60s'), '--burst-phase'),
    probeMs: parseDuration(v.probe ?? (quick ? '8s' : '15s'), '--probe'),
    warmupMs: quick ? 2_000 : 5_000,
    threads: v.threads === undefined ? Math.max(1, availableParallelism() - 1) : positiveInt(v.threads, '--threads'),
    partitions: positiveInt(v.partitions, '--partitions'),
    fixedRates: v.rates.split(',').map((r) => positiveInt(r.trim(), '--rates')),
    burstBaseRate: positiveInt(v['burst-base'], '--burst-base'),
    backlogEvents: v.backlog === undefined ? DEFAULT_BACKLOG : positiveInt(v.backlog, '--backlog'),
    scaleBacklogEvents: positiveInt(v['scale-backlog'] ?? String(scale.backlog), '--scale-backlog'),
    scaleRate: positiveInt(v['scale-rate'] ?? String(scale.rate), '--scale-rate'),
    scaleWindowMs: parseDuration(v['scale-window'] ?? scale.window, '--scale-window'),
    stages: stages as Stage[],
    brokers: v.brokers
      .split(',')
      .map((b) => b.trim())
      .filter(Boolean),
    outDir: v.out,
    updateReadme: v['update-readme'] === true,
  };
}
