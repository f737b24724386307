/**
 * Command-line parsing. Pure: it returns what to do and the text to show; main.ts prints and exits.
 */
import { parseArgs } from 'node:util';
import { FlagError, parseFilter, type RedriveFilter } from './redrive/filter.ts';
import type { TargetFlags } from './redrive/target.ts';

export type CliCommand =
  | { kind: 'run'; configFile: string }
  | { kind: 'check'; configFile: string }
  | { kind: 'redrive'; configFile: string; redrive: RedriveRequest }
  | { kind: 'help'; text: string }
  | { kind: 'version' }
  | { kind: 'usage-error'; message: string; text: string };

/** What `redrive` was asked for; flow and model are checked against the configuration once it is loaded. */
export interface RedriveRequest {
  /** The DLQ topic; absent: deadLetter.topic. */
  readonly topic?: string;
  readonly filter: RedriveFilter;
  readonly target: TargetFlags;
  readonly dryRun: boolean;
}

/** Exit codes, shared with main.ts so the help text and the behaviour cannot drift apart. */
export const EXIT_CODES = { ok: 0, failure: 1, usage: 2 } as const;

const COMMANDS = {
  run: 'start the service; runs until SIGTERM or SIGINT',
  check: 'validate the configuration and print the effective configuration',
  redrive: 'replay dead letters through a flow or a model version, then print what became of each',
} as const;
type CommandName = keyof typeof COMMANDS;

const OPTIONS = {
  config: { type: 'string', short: 'c' },
  help: { type: 'boolean', short: 'h' },
  version: { type: 'boolean', short: 'v' },
  topic: { type: 'string' },
  reason: { type: 'string', multiple: true },
  partitions: { type: 'string' },
  since: { type: 'string' },
  until: { type: 'string' },
  time: { type: 'string' },
  flow: { type: 'string' },
  model: { type: 'string' },
  format: { type: 'string' },
  'dry-run': { type: 'boolean' },
} as const;

const REDRIVE_OPTIONS = ['topic', 'reason', 'partitions', 'since', 'until', 'time', 'flow', 'model', 'format', 'dry-run'] as const;

const OPTIONS_TEXT = `Options:
  -c, --config <file>  configuration file, YAML or JSON (every setting: config/example.yaml)
  -h, --help           show help
  -v, --version        print the version`;

const REDRIVE_TEXT = `Redrive options:
  --flow <name>            score the dead letters through this flow of the configuration
  --model <name[@version]> ...or through this model (its highest version on disk when none is given);
                           with --flow, the version the flow's refs to that model without a version name
  --topic <topic>          the dead-letter topic to read (default: deadLetter.topic)
  --reason <CODE[,CODE]>   only dead letters with these reasons (repeatable; default: all)
  --partitions <n | a-b>   only dead letters from these partitions of their source topic
  --since <time>           only dead letters at or after this time (ISO-8601 or epoch milliseconds)
  --until <time>           only dead letters before this time
  --time <field>           what --since and --until compare: failed-at (scorer.failed.at, the default)
                           or timestamp (the DLQ record's timestamp)
  --format <avro | json>   the dead letters' format, when the target's inputs do not say
  --dry-run                count what would be redriven; score and write nothing
  The DLQ is read from its start up to its end offsets when the command starts. Progress goes to
  stderr every 5 s, the summary to stdout.`;

const ENV_TEXT = `Environment overrides:
  SCORER_<PATH> overrides a setting of the file: the setting's path with each segment in
  SNAKE_CASE and segments joined by "__". Values are converted to the setting's type; lists of
  strings are comma-separated; inputs and models.serve can only be set in the file. A SCORER_
  variable that names no setting is a configuration error. Examples:
    SCORER_KAFKA__BROKERS=kafka-0:9092,kafka-1:9092   sets kafka.brokers
    SCORER_BATCHING__MAX_BATCH_SIZE=128               sets batching.maxBatchSize
  Relative paths (models.repository, output.schemaFile) resolve against the config file's directory.`;

const EXIT_TEXT = `Exit codes:
  ${EXIT_CODES.ok}  success (run: stopped cleanly after SIGTERM or SIGINT)
  ${EXIT_CODES.failure}  runtime failure
  ${EXIT_CODES.usage}  usage or configuration error`;

const GENERAL_HELP = `stream-scorer: score ONNX models on Kafka streams

Usage:
  stream-scorer run --config <file>     ${COMMANDS.run}
  stream-scorer check --config <file>   ${COMMANDS.check}
  stream-scorer redrive --config <file> (--flow <name> | --model <name[@version]>) [filters]
                                        ${COMMANDS.redrive}
  stream-scorer help [command]          show this help, or a command's
  stream-scorer --version               print the version

${OPTIONS_TEXT}

${REDRIVE_TEXT}

${ENV_TEXT}

${EXIT_TEXT}
`;

const commandHelp = (name: CommandName): string =>
  `Usage: stream-scorer ${name} --config <file>\n\n${COMMANDS[name]}.\n\n${OPTIONS_TEXT}\n\n${name === 'redrive' ? `${REDRIVE_TEXT}\n\n` : ''}${ENV_TEXT}\n\n${EXIT_TEXT}\n`;

const isCommand = (word: string | undefined): word is CommandName => word !== undefined && Object.hasOwn(COMMANDS, word);

const helpFor = (word: string | undefined): string => (isCommand(word) ? commandHelp(word) : GENERAL_HELP);

const usageError = (message: string, command?: string): CliCommand => ({
  kind: 'usage-error',
  message,
  text: helpFor(command),
});

/** Parses the arguments after the executable and script (process.argv.slice(2)). */
export function parseCli(argv: readonly string[]): CliCommand {
  let parsed: ReturnType<typeof parseArgs<{ args: string[]; options: typeof OPTIONS; strict: true; allowPositionals: true }>>;
  try {
    parsed = parseArgs({ args: [...argv], options: OPTIONS, strict: true, allowPositionals: true });
  } catch (err) {
    // parseArgs appends advice about `--` that does not apply here; keep its first sentence.
    const message = err instanceof Error ? (err.message.split(/(?<=\.) /)[0] ?? err.message) : String(err);
    return usageError(message, argv.find(isCommand));
  }
  const { values, positionals } = parsed;
  const [first, ...rest] = positionals;
  if (first === 'help') return helpCommand(rest);
  if (values.help === true) return { kind: 'help', text: helpFor(first) };
  if (values.version === true) return { kind: 'version' };
  if (first === undefined) return usageError('missing command');
  if (!isCommand(first)) return usageError(`unknown command "${first}"`);
  if (rest[0] !== undefined) return usageError(`unexpected argument "${rest[0]}"`, first);
  if (values.config === undefined || values.config === '') return usageError(`${first} needs --config <file>`, first);
  if (first === 'redrive') return redriveCommand(values, values.config);
  const stray = REDRIVE_OPTIONS.find((name) => values[name] !== undefined);
  if (stray !== undefined) return usageError(`--${stray} is an option of redrive only`, first);
  return { kind: first, configFile: values.config };
}

function redriveCommand(values: ReturnType<typeof parseArgs<{ options: typeof OPTIONS; strict: true }>>['values'], configFile: string): CliCommand {
  try {
    const filter = parseFilter(values);
    const target = setOnly({ flow: values.flow, model: values.model, format: values.format });
    return { kind: 'redrive', configFile, redrive: { ...setOnly({ topic: values.topic }), filter, target, dryRun: values['dry-run'] === true } };
  } catch (error) {
    if (error instanceof FlagError) return usageError(error.message, 'redrive');
    throw error;
  }
}

/** The options given (with exactOptionalPropertyTypes an absent option must be no key, not undefined). */
function setOnly<T extends Record<string, string | undefined>>(values: T): { [K in keyof T]?: string } {
  return Object.fromEntries(Object.entries(values).filter(([, value]) => value !== undefined)) as { [K in keyof T]?: string };
}

function helpCommand(rest: readonly string[]): CliCommand {
  const [topic, extra] = rest;
  if (extra !== undefined) return usageError(`unexpected argument "${extra}"`);
  if (topic !== undefined && !isCommand(topic)) return usageError(`unknown command "${topic}"`);
  return { kind: 'help', text: helpFor(topic) };
}
