/**
 * The load generator's entry point: parse the flags, run the load with a live progress line on stderr,
 * print the summary on stdout, write the JSON and the chart when asked. `--help` lists the flags.
 *
 * Exit codes: 0 every event sent got a prediction, 1 predictions missing or the run failed, 2 bad flag.
 */

import { writeFileSync } from 'node:fs';
import { readRssMiB } from '../devtools/scorer-process.ts';
import { isScorerError } from '../src/errors.ts';
import { runMain } from '../src/run-main.ts';
import { renderChart } from './chart.ts';
import { EXIT_CODES, parseLoadgenArgs } from './cli.ts';
import { describeProfile } from './profile.ts';
import { createProgressWriter } from './progress.ts';
import { runLoad } from './run.ts';
import { formatSummary } from './summary.ts';
import type { LoadResult } from './types.ts';

async function main(argv: readonly string[]): Promise<number> {
  const command = parseLoadgenArgs(argv);
  if (command.kind === 'help') {
    process.stdout.write(command.text);
    return EXIT_CODES.ok;
  }
  if (command.kind === 'usage-error') return usage(command.message);
  const { options, pid } = command;
  if (pid !== undefined && readRssMiB(pid) === undefined) return usage(`--pid: no process ${pid} to sample memory from`);
  const progress = command.quiet ? undefined : createProgressWriter(process.stderr, options.profile.phases.length);
  const abort = new AbortController();
  const onSignal = (): void => {
    if (abort.signal.aborted) process.exit(EXIT_CODES.failure);
    progress?.done();
    process.stderr.write('stopping: waiting for the predictions owed (Ctrl-C again to quit now)\n');
    abort.abort();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  if (!command.quiet) process.stderr.write(`loadgen: ${describeProfile(options.profile)} to ${options.inputTopic}, predictions from ${options.outputTopic}\n`);
  let result: LoadResult;
  try {
    result = await runLoad({
      ...options,
      signal: abort.signal,
      ...(progress === undefined ? {} : { onProgress: (p) => progress.update(p) }),
      ...(pid === undefined ? {} : { sampleRssMiB: () => readRssMiB(pid) }),
    });
  } catch (error) {
    progress?.done();
    // A broker, topic or registry problem is the user's to fix: the message says which; a stack would not help.
    process.stderr.write(`error: ${isScorerError(error) ? error.message : error instanceof Error ? error.stack : String(error)}\n`);
    return EXIT_CODES.failure;
  }
  progress?.done();
  process.stdout.write(formatSummary(result));
  process.stdout.write(extraLines(result));
  if (command.out !== undefined) writeFileSync(command.out, `${JSON.stringify(result, null, 2)}\n`);
  if (command.chart !== undefined) writeFileSync(command.chart, renderChart(result, `stream-scorer load: ${describeProfile(options.profile)}`));
  return result.missing > 0 ? EXIT_CODES.failure : EXIT_CODES.ok;
}

/** The load generator's own CPU and the run's notes, which the summary table does not show. */
function extraLines(result: LoadResult): string {
  const lines: string[] = [];
  if (result.generatorCpuSeconds !== undefined && result.durationMs > 0) {
    const cores = result.generatorCpuSeconds / (result.durationMs / 1000);
    const perEvent = result.sent > 0 ? `${((result.generatorCpuSeconds * 1e6) / result.sent).toFixed(1)} µs` : '-';
    lines.push(`load generator CPU: ${result.generatorCpuSeconds.toFixed(1)} s (${cores.toFixed(2)} cores, ${perEvent} an event sent)`);
  }
  for (const note of result.notes ?? []) lines.push(`note: ${note}`);
  return lines.length === 0 ? '' : `${lines.join('\n')}\n`;
}

function usage(message: string): number {
  process.stderr.write(`error: ${message}\nrun with --help for the flags\n`);
  return EXIT_CODES.usage;
}

runMain(main, EXIT_CODES.failure);
