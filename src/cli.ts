/**
 * Command-line parsing. Pure: it returns what to do and the text to show; main.ts prints and exits.
 */
import { parseArgs } from 'node:util';

export type CliCommand =
  | { kind: 'run'; configFile: string }
  | { kind: 'check'; configFile: string }
  | { kind: 'help'; text: string }
  | { kind: 'version' }
  | { kind: 'usage-error'; message: string; text: string };

/** Exit codes, shared with main.ts so the help text and the behaviour cannot drift apart. */
export const EXIT_CODES = { ok: 0, failure: 1, usage: 2 } as const;

const COMMANDS = {
  run: 'start the service; runs until SIGTERM or SIGINT',
  check: 'validate the configuration and print the effective configuration',
} as const;
type CommandName = keyof typeof COMMANDS;

const OPTIONS = {
  config: { type: 'string', short: 'c' },
  help: { type: 'boolean', short: 'h' },
  version: { type: 'boolean', short: 'v' },
} as const;

const OPTIONS_TEXT = `Options:
  -c, --config <file>  configuration file, YAML or JSON (every setting: config/example.yaml)
  -h, --help           show help
  -v, --version        print the version`;

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
  stream-scorer help [command]          show this help, or a command's
  stream-scorer --version               print the version

${OPTIONS_TEXT}

${ENV_TEXT}

${EXIT_TEXT}
`;

const commandHelp = (name: CommandName): string =>
  `Usage: stream-scorer ${name} --config <file>\n\n${COMMANDS[name]}.\n\n${OPTIONS_TEXT}\n\n${ENV_TEXT}\n\n${EXIT_TEXT}\n`;

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
  return { kind: first, configFile: values.config };
}

function helpCommand(rest: readonly string[]): CliCommand {
  const [topic, extra] = rest;
  if (extra !== undefined) return usageError(`unexpected argument "${extra}"`);
  if (topic !== undefined && !isCommand(topic)) return usageError(`unknown command "${topic}"`);
  return { kind: 'help', text: helpFor(topic) };
}
