/**
 * `npm run bench`: PROTOCOL.md's suite against a running broker. Each repetition runs every stage once,
 * in the same order, so each subject and its baseline are measured side by side (A, B, A, B ...): the
 * drain as one rotation of its subjects, the sustainable-rate searches each client's pass-through
 * next to its W1 (and W1 through a flow next to platformatic's W1), the scale-out stage 1, 2 and 3 replicas back to back. Writes <out>/<date>.json (every run), <out>/<date>.md (the tables) and charts in
 * <out>/<date>/.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startOtlpReceiver } from '../devtools/otlp-receiver.ts';
import { startRegistryDouble } from '../devtools/schema-registry-double.ts';
import { renderChart } from '../loadgen/chart.ts';
import { UsageError } from '../loadgen/profile.ts';
import type { LoadResult } from '../loadgen/types.ts';
import { sustainOrder } from './catalog.ts';
import { clockTicksPerSecond } from './cpu.ts';
import { drainStage } from './drain.ts';
import { describeMachine } from './machine.ts';
import { type BenchOptions, parseBenchArgs, USAGE } from './options.ts';
import { replaceBenchSection } from './readme.ts';
import { renderMarkdown, renderParts } from './report.ts';
import type { BurstRun, CeilingRun, DrainRun, FixedRun, ScaleOutRun, SuiteResults, SustainRun } from './results.ts';
import type { RunContext } from './runner.ts';
import { scaleOutSettings, scaleOutStage } from './scale-out.ts';
import { burstStage, ceilingStage, fixedStage, type Say, sustainStage } from './stages.ts';

const REPO_ROOT = fileURLToPath(new URL('../', import.meta.url));

function parseOrExit(): BenchOptions {
  try {
    const parsed = parseBenchArgs(process.argv.slice(2));
    if (parsed === 'help') {
      console.log(USAGE);
      process.exit(0);
    }
    return parsed;
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    console.error(`bench: ${error.message}\n\n${USAGE}`);
    process.exit(2);
  }
}

const options = parseOrExit();
const startedAt = new Date();
const stamp = `${startedAt.toISOString().slice(0, 10)}${options.mode === 'quick' ? '-quick' : ''}`;
const outDir = resolve(REPO_ROOT, options.outDir);
const chartDir = join(outDir, stamp);
mkdirSync(chartDir, { recursive: true });
const t0 = performance.now();
const say: Say = (line) => process.stderr.write(`[${((performance.now() - t0) / 60_000).toFixed(1).padStart(5)} min] ${line}\n`);

const registry = await startRegistryDouble({ port: 0 });
// Counts and discards: a long run keeps no spans.
const otlp = await startOtlpReceiver({ keep: false });
const ctx: RunContext = {
  brokers: options.brokers,
  registryUrl: registry.url,
  otlpUrl: otlp.url,
  partitions: options.partitions,
  threads: options.threads,
};
const ceilings: CeilingRun[] = [];
const drains: DrainRun[] = [];
const sustainable: SustainRun[] = [];
const fixed: FixedRun[] = [];
const bursts: BurstRun[] = [];
const scaleOut: ScaleOutRun[] = [];
const has = (stage: BenchOptions['stages'][number]) => options.stages.includes(stage);

function saveChart(name: string, result: LoadResult, title: string): string {
  const file = join(chartDir, `${name}.svg`);
  writeFileSync(file, renderChart(result, title));
  return relative(outDir, file);
}

function results(): SuiteResults {
  return {
    startedAt: startedAt.toISOString(),
    finishedAt: new Date().toISOString(),
    machine: describeMachine(options.brokers),
    settings: {
      mode: options.mode,
      repeat: options.repeat,
      trialSeconds: options.trialMs / 1000,
      burstPhaseSeconds: options.burstPhaseMs / 1000,
      threads: options.threads,
      partitions: options.partitions,
      fixedRates: options.fixedRates,
      burstBaseRate: options.burstBaseRate,
      backlogEvents: options.backlogEvents,
      clockTicksPerSecond: clockTicksPerSecond(),
      scaleOut: scaleOutSettings(options),
    },
    ceilings,
    drains,
    sustainable,
    fixed,
    bursts,
    scaleOut,
  };
}

/** Written after every stage, so an interrupted suite still leaves what it measured. */
function save(): SuiteResults {
  const all = results();
  writeFileSync(join(outDir, `${stamp}.json`), `${JSON.stringify(all, null, 2)}\n`);
  writeFileSync(join(outDir, `${stamp}.md`), renderMarkdown(all));
  return all;
}

say(
  `bench: ${options.mode} mode, ${options.repeat} repetition(s), stages ${options.stages.join(', ')}; results in ${relative(REPO_ROOT, outDir)}/${stamp}.json`,
);
try {
  for (let rep = 1; rep <= options.repeat; rep++) {
    say(`repetition ${rep} of ${options.repeat}`);
    if (has('ceilings')) {
      ceilings.push(await ceilingStage(rep, 'fraud', options, say), await ceilingStage(rep, 'heavy', options, say));
      save();
    }
    if (has('drain')) {
      drains.push(...(await drainStage(ctx, rep, options.backlogEvents, say)));
      save();
    }
    for (const subject of sustainOrder(options.stages)) {
      const drained = drains.find((d) => d.rep === rep && d.subject === subject)?.steady?.eventsPerSec;
      sustainable.push(await sustainStage(ctx, options, rep, subject, say, drained));
      save();
    }
    if (has('fixed')) {
      for (const rate of options.fixedRates) {
        const { record, result } = await fixedStage(ctx, options, rep, rate, say);
        fixed.push(record);
        saveChart(`w1-${rate}-rep${rep}`, result, `W1 fraud scorer (default client) at ${rate.toLocaleString('en-US')} events/s (repetition ${rep})`);
        save();
      }
    }
    if (has('burst')) {
      const chart = join(stamp, `burst-rep${rep}.svg`);
      const { record, result } = await burstStage(ctx, options, rep, chart, say);
      saveChart(`burst-rep${rep}`, result, `Burst: W1 at ${options.burstBaseRate.toLocaleString('en-US')}/s, 10x, then steady (repetition ${rep})`);
      bursts.push(record);
      save();
    }
    if (has('scale-out')) {
      await scaleOutStage(ctx, options, rep, say, (run) => {
        scaleOut.push(run);
        save();
      });
    }
  }
} finally {
  await registry.close();
  if (otlp.count > 0) say(`OTLP receiver: ${otlp.count.toLocaleString('en-US')} spans received from the traced subjects`);
  await otlp.close();
}
const final = save();
process.stdout.write(`\n${renderMarkdown(final)}\n`);
if (options.updateReadme) {
  const readmePath = join(REPO_ROOT, 'README.md');
  const parts = renderParts(final);
  writeFileSync(readmePath, replaceBenchSection(readFileSync(readmePath, 'utf8'), parts, relative(REPO_ROOT, join(outDir, `${stamp}.md`))));
  const updated = [parts.drain === null ? '' : 'drain', parts.suite === null ? '' : 'open-loop suite', parts['scale-out'] === null ? '' : 'scale-out'];
  say(`README benchmark section updated (${updated.filter(Boolean).join(', ')})`);
}
say(`done in ${((performance.now() - t0) / 60_000).toFixed(1)} min: ${relative(REPO_ROOT, join(outDir, `${stamp}.json`))}`);
