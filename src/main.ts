/**
 * Entry point: parse the command line, load the configuration, run the service (or a redrive), turn
 * signals into a graceful shutdown. The only file that calls process.exit.
 *
 * Exit codes: 0 clean stop, 1 runtime failure (or shutdown past its deadline), 2 usage or config error.
 */
import { EXIT_CODES, parseCli, type RedriveRequest } from './cli.ts';
import { loadConfig } from './config/load.ts';
import { renderConfig } from './config/render.ts';
import { isScorerError } from './errors.ts';
import { createLogger } from './observability/logger.ts';
import { FlagError } from './redrive/filter.ts';
import { redrive } from './redrive/run.ts';
import { runMain } from './run-main.ts';
import { type RunningService, startService } from './service.ts';
import { VERSION } from './version.ts';

async function main(argv: readonly string[]): Promise<number> {
  const command = parseCli(argv);
  switch (command.kind) {
    case 'help':
      process.stdout.write(`${command.text}\n`);
      return EXIT_CODES.ok;
    case 'version':
      process.stdout.write(`stream-scorer ${VERSION}\n`);
      return EXIT_CODES.ok;
    case 'usage-error':
      process.stderr.write(`error: ${command.message}\n\n${command.text}\n`);
      return EXIT_CODES.usage;
    case 'check': {
      const config = loadOrReport(command.configFile);
      if (!config) return EXIT_CODES.usage;
      // Rendered with the registry password masked: this output ends up in CI logs.
      process.stdout.write(`${renderConfig(config)}\nconfiguration OK\n`);
      return EXIT_CODES.ok;
    }
    case 'run': {
      const config = loadOrReport(command.configFile);
      return config ? run(config) : EXIT_CODES.usage;
    }
    case 'redrive': {
      const config = loadOrReport(command.configFile);
      return config ? redriveCommand(config, command.redrive) : EXIT_CODES.usage;
    }
  }
  return assertNever(command);
}

function assertNever(value: never): never {
  throw new Error(`unhandled command ${JSON.stringify(value)}`);
}

function loadOrReport(file: string) {
  try {
    return loadConfig({ file, env: process.env });
  } catch (error) {
    if (isScorerError(error, 'SCORER_ERR_CONFIG')) {
      process.stderr.write(`${error.message}\n`);
      return undefined;
    }
    throw error;
  }
}

/** Progress on stderr, the summary on stdout; 0 once every dead letter up to the end offsets was handled. */
async function redriveCommand(config: ReturnType<typeof loadConfig>, request: RedriveRequest): Promise<number> {
  // Log lines beside the progress on stderr, so stdout holds the summary alone.
  const log = createLogger(config.log.level, process.stderr);
  let signalled = false;
  const stop = (signal: NodeJS.Signals) => {
    log.info({ signal }, 'redrive: stopping; what was read is finished and committed first');
    signalled = true;
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
  try {
    const outcome = await redrive(config, request, { log, progress: (line) => process.stderr.write(`${line}\n`), cancelled: () => signalled });
    process.stdout.write(`${outcome.summary}\n`);
    return outcome.finished ? EXIT_CODES.ok : EXIT_CODES.failure;
  } catch (error) {
    if (error instanceof FlagError) {
      process.stderr.write(`error: ${error.message}\n`);
      return EXIT_CODES.usage;
    }
    log.fatal({ err: error }, 'redrive failed');
    return isConfigProblem(error) ? EXIT_CODES.usage : EXIT_CODES.failure;
  }
}

/** A model that does not fit its spec is a configuration problem: retrying will not help. */
function isConfigProblem(error: unknown): boolean {
  return isScorerError(error, 'SCORER_ERR_FEATURE_SPEC') || isScorerError(error, 'SCORER_ERR_MODEL_LOAD') || isScorerError(error, 'SCORER_ERR_CONFIG');
}

async function run(config: ReturnType<typeof loadConfig>): Promise<number> {
  const log = createLogger(config.log.level);
  let signalled: NodeJS.Signals | undefined;
  let onSignal = (signal: NodeJS.Signals) => {
    // Before the service runs there is nothing to drain: stop waiting (e.g. for the registry) and leave.
    log.info({ signal }, 'signal during start-up; stopping');
    signalled = signal;
  };
  const listener = (signal: NodeJS.Signals) => onSignal(signal);
  process.on('SIGTERM', listener);
  process.on('SIGINT', listener);
  let service: RunningService;
  try {
    service = await startService(config, log, () => signalled !== undefined);
  } catch (error) {
    if (signalled !== undefined) return EXIT_CODES.ok;
    log.fatal({ err: error }, 'start-up failed');
    return isConfigProblem(error) ? EXIT_CODES.usage : EXIT_CODES.failure;
  }
  return new Promise<number>((resolve) => {
    let stopping = false;
    onSignal = (signal) => {
      if (stopping) {
        log.warn({ signal }, 'second signal: exiting now');
        resolve(EXIT_CODES.failure);
        return;
      }
      stopping = true;
      log.info({ signal, deadlineMs: config.shutdown.deadlineMs }, 'shutting down');
      // The deadline is a promise to the orchestrator (Kubernetes sends SIGKILL after its grace period):
      // past it, exit with what was committed rather than be killed mid-commit.
      const hard = setTimeout(() => {
        log.error({ deadlineMs: config.shutdown.deadlineMs }, 'shutdown deadline passed; exiting');
        resolve(EXIT_CODES.failure);
      }, config.shutdown.deadlineMs);
      hard.unref();
      service.stop().then(
        (clean) => resolve(clean ? EXIT_CODES.ok : EXIT_CODES.failure),
        (error: unknown) => {
          log.error({ err: error }, 'shutdown failed');
          resolve(EXIT_CODES.failure);
        },
      );
    };
    if (signalled !== undefined) onSignal(signalled);
    service.failed.then((error) => {
      log.fatal({ err: error }, 'service failed');
      resolve(EXIT_CODES.failure);
    });
  });
}

runMain(main, EXIT_CODES.failure);
