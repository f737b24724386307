/**
 * The load generator's command line. Pure: it returns what to run, or the message naming the bad flag;
 * loadgen/main.ts does the I/O and exits.
 */

import { parseArgs } from 'node:util';
import { parseKeys } from './keys.ts';
import { formatDuration, parseDuration, parseProfile, profileDurationMs, UsageError } from './profile.ts';
import type { LoadOptions, LoadProfile, WireFormat } from './types.ts';

export const EXIT_CODES = { ok: 0, failure: 1, usage: 2 } as const;

/** What the CLI turns into LoadOptions; the run adds the hooks (progress, abort signal, RSS sampler). */
export type CliLoadOptions = Omit<LoadOptions, 'onProgress' | 'signal' | 'sampleRssMiB'>;

export type LoadgenCommand =
  | { readonly kind: 'help'; readonly text: string }
  | { readonly kind: 'usage-error'; readonly message: string }
  | {
      readonly kind: 'run';
      readonly options: CliLoadOptions;
      /** Scorer process whose RSS is sampled. */
      readonly pid?: number;
      readonly out?: string;
      readonly chart?: string;
      readonly quiet: boolean;
    };

export const HELP = `loadgen: open-loop load for stream-scorer, with end-to-end latency of every prediction

Usage:
  node loadgen/main.ts --rate <N|max> [--duration <time> | --count <N>] [options]
  node loadgen/main.ts --profile <spec> [options]

Load (--rate and --profile exclude each other):
  --rate <N|max>         events per second (5000, 1.5k), or max: as fast as the broker acknowledges
  --duration <time>      how long --rate runs: 60s, 500ms, 2m, 1m30s (default: until --count or Ctrl-C)
  --count <N>            stop after N events, whatever the rate or profile says
  --profile <spec>       phases back to back, e.g. 1000@60s,10000@60s,1000@60s (a burst)
  --keys <dist>          uniform, zipf or zipf:<s> such as zipf:1.2 (default uniform)
  --accounts <N>         distinct account ids, the Kafka key (default 10000)
  --seed <N>             seed of the generated events (default 1)
  --format <avro|json>   input encoding; Avro goes through the schema registry (default avro)

Kafka:
  --brokers <list>       bootstrap brokers, comma-separated (default 127.0.0.1:9092)
  --registry <url>       schema registry (default http://127.0.0.1:8081)
  --topic <name>         input topic the scorer reads; must exist (default payments)
  --predictions <name>   output topic the scorer writes; must exist (default predictions)

Measurement:
  --warmup <time>        leave events of the first <time> out of the latency figures
                         (default 5s, a tenth of a run shorter than 50s, none for an open-ended max run)
  --drain-timeout <time> after the last event, how long to wait for predictions still owed (default 30s)
  --group <id>           the scorer's consumer group: sample its committed lag every second
  --pid <pid>            the scorer's process id: sample its resident memory every second
  --out <file.json>      write the results as JSON
  --chart <file.svg>     draw latency and throughput over time as an SVG image
  --quiet                no progress line
  -h, --help             show this help

Each event carries its intended send time as its record timestamp and event_time; latency is the time
from it to the prediction's arrival here, so a producer or scorer that falls behind shows as latency.
Ctrl-C stops producing and waits for the predictions owed; a second Ctrl-C quits at once.

Exit codes:
  ${EXIT_CODES.ok}  every event sent got a prediction
  ${EXIT_CODES.failure}  predictions missing, or the run failed
  ${EXIT_CODES.usage}  bad flag
`;

const OPTIONS = {
  brokers: { type: 'string', default: '127.0.0.1:9092' },
  registry: { type: 'string', default: 'http://127.0.0.1:8081' },
  topic: { type: 'string', default: 'payments' },
  predictions: { type: 'string', default: 'predictions' },
  format: { type: 'string', default: 'avro' },
  rate: { type: 'string' },
  profile: { type: 'string' },
  duration: { type: 'string' },
  count: { type: 'string' },
  keys: { type: 'string', default: 'uniform' },
  accounts: { type: 'string', default: '10000' },
  seed: { type: 'string', default: '1' },
  warmup: { type: 'string' },
  'drain-timeout': { type: 'string', default: '30s' },
  group: { type: 'string' },
  pid: { type: 'string' },
  out: { type: 'string' },
  chart: { type: 'string' },
  quiet: { type: 'boolean', default: false },
  help: { type: 'boolean', short: 'h', default: false },
} as const;

type Values = ReturnType<typeof parseArgs<{ options: typeof OPTIONS; strict: true }>>['values'];

/** Parses process.argv.slice(2). */
export function parseLoadgenArgs(argv: readonly string[]): LoadgenCommand {
  let values: Values;
  try {
    ({ values } = parseArgs({ args: [...argv], options: OPTIONS, strict: true, allowPositionals: false }));
  } catch (err) {
    // parseArgs appends advice about `--` that does not apply here; keep its first sentence.
    const message = err instanceof Error ? (err.message.split(/(?<=\.)\s/)[0] ?? err.message) : String(err);
    return { kind: 'usage-error', message };
  }
  if (values.help) return { kind: 'help', text: HELP };
  try {
    return runCommand(values);
  } catch (err) {
    if (err instanceof UsageError) return { kind: 'usage-error', message: err.message };
    throw err;
  }
}

function runCommand(v: Values): LoadgenCommand {
  const profile = loadProfile(v);
  const count = v.count === undefined ? undefined : positiveInteger(v.count, '--count');
  const runMs = expectedRunMs(profile, count);
  const warmupMs = v.warmup === undefined ? defaultWarmupMs(profile, runMs) : parseDuration(v.warmup, '--warmup');
  if (warmupMs > 0 && warmupMs >= runMs) {
    throw new UsageError('--warmup', `${v.warmup} is not shorter than the run (${formatDuration(runMs)}): no latency would be left to report`);
  }
  const options: CliLoadOptions = {
    brokers: list(v.brokers, '--brokers'),
    inputTopic: name(v.topic, '--topic'),
    outputTopic: name(v.predictions, '--predictions'),
    format: format(v.format),
    registryUrl: url(v.registry, '--registry'),
    profile,
    keys: parseKeys(v.keys, '--keys'),
    accounts: positiveInteger(v.accounts, '--accounts'),
    seed: integer(v.seed, '--seed'),
    ...(count === undefined ? {} : { count }),
    drainTimeoutMs: parseDuration(v['drain-timeout'], '--drain-timeout'),
    warmupMs,
    ...(v.group === undefined ? {} : { consumerGroup: name(v.group, '--group') }),
  };
  if (v.chart !== undefined && !v.chart.toLowerCase().endsWith('.svg')) {
    throw new UsageError('--chart', `"${v.chart}": the chart is an SVG image; give a file name ending in .svg`);
  }
  return {
    kind: 'run',
    options,
    ...(v.pid === undefined ? {} : { pid: positiveInteger(v.pid, '--pid') }),
    ...(v.out === undefined ? {} : { out: name(v.out, '--out') }),
    ...(v.chart === undefined ? {} : { chart: v.chart }),
    quiet: v.quiet,
  };
}

/** --rate [--duration] or --profile: one of the two, and --duration only with --rate. */
function loadProfile(v: Values): LoadProfile {
  if (v.rate !== undefined && v.profile !== undefined) throw new UsageError('--rate', 'give --rate or --profile, not both');
  if (v.profile !== undefined) {
    if (v.duration !== undefined) throw new UsageError('--duration', 'goes with --rate; each --profile phase has its own duration');
    return parseProfile(v.profile, '--profile');
  }
  if (v.rate === undefined) throw new UsageError('--rate', 'missing: give --rate <N|max> (with --duration or --count) or --profile <spec>');
  if (v.rate.includes('@') || v.rate.includes(',')) throw new UsageError('--rate', `"${v.rate}": one rate such as 5000 or max; phases go in --profile`);
  const [phase] = parseProfile(v.rate, '--rate').phases;
  const durationMs = v.duration === undefined ? Infinity : parseDuration(v.duration, '--duration');
  if (!(durationMs > 0)) throw new UsageError('--duration', `"${v.duration}": must be more than 0`);
  return { phases: [{ rate: phase!.rate, durationMs }] };
}

const DEFAULT_WARMUP_MS = 5000;

/** How long the run will produce, as far as the flags tell: Infinity when open-ended. */
function expectedRunMs(profile: LoadProfile, count: number | undefined): number {
  const [only] = profile.phases;
  const total = profileDurationMs(profile);
  if (count === undefined || profile.phases.length !== 1 || only === undefined || only.rate === 'max') return total;
  return Math.min(total, (count * 1000) / only.rate);
}

/**
 * Long enough to let the scorer warm up, short enough to leave most of a short run measured. An
 * open-ended max run (`--rate max --count N`) may last a second: its latency is all queueing anyway.
 */
function defaultWarmupMs(profile: LoadProfile, runMs: number): number {
  if (runMs === Infinity) return profile.phases[0]?.rate === 'max' ? 0 : DEFAULT_WARMUP_MS;
  return Math.min(DEFAULT_WARMUP_MS, Math.floor(runMs / 10));
}

function format(text: string): WireFormat {
  if (text === 'avro' || text === 'json') return text;
  throw new UsageError('--format', `"${text}": expected avro or json`);
}

function name(text: string, flag: string): string {
  if (text.trim() === '') throw new UsageError(flag, 'must not be empty');
  return text;
}

function list(text: string, flag: string): string[] {
  const items = text.split(',').map((item) => item.trim());
  if (items.some((item) => item === '')) throw new UsageError(flag, `"${text}": expected a comma-separated list such as host1:9092,host2:9092`);
  return items;
}

function url(text: string, flag: string): string {
  let parsed: URL;
  try {
    parsed = new URL(text);
  } catch {
    throw new UsageError(flag, `"${text}": expected a URL such as http://127.0.0.1:8081`);
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') throw new UsageError(flag, `"${text}": expected an http or https URL`);
  return text;
}

function integer(text: string, flag: string): number {
  const value = /^-?\d+$/.test(text.trim()) ? Number(text) : NaN;
  if (!Number.isSafeInteger(value)) throw new UsageError(flag, `"${text}": expected an integer`);
  return value;
}

function positiveInteger(text: string, flag: string): number {
  const value = /^\d+$/.test(text.trim()) ? Number(text) : NaN;
  if (!Number.isSafeInteger(value) || value < 1) throw new UsageError(flag, `"${text}": expected a whole number of at least 1`);
  return value;
}
