/**
 * The load generator against the real scorer and broker: a two-phase open-loop run through the
 * registry (Avro in and out) gets exactly one prediction per event sent, and the CLI (JSON in) writes
 * its results and chart. No timing is asserted: only counts, which a slow machine cannot change.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { eventsInPhase, parseProfile } from '../../loadgen/profile.ts';
import { runLoad } from '../../loadgen/run.ts';
import type { LoadResult, Progress } from '../../loadgen/types.ts';
import { BROKERS, createTopics, deleteTopics, endOffsets, uniqueName } from '../support/kafka.ts';
import { realRegistry } from '../support/registry.ts';
import { scorerConfig } from '../support/scenario.ts';
import { REPO_ROOT, type ScorerHandle, startScorer, stopScorer } from '../support/scorer-process.ts';

const PARTITIONS = 6;

/** One scorer reads both inputs, Avro and JSON, and writes Avro predictions to one topic. */
async function setUp(t: { after(fn: () => unknown): void }) {
  const avroIn = uniqueName('lg-avro-in');
  const jsonIn = uniqueName('lg-json-in');
  const output = uniqueName('lg-out');
  const dlq = `${output}.dlq`;
  const groupId = uniqueName('lg-group');
  await createTopics([
    { topic: avroIn, partitions: PARTITIONS },
    { topic: jsonIn, partitions: PARTITIONS },
    { topic: output, partitions: PARTITIONS },
    { topic: dlq, partitions: 1 },
  ]);
  t.after(() => deleteTopics([avroIn, jsonIn, output, dlq]));
  const registry = await realRegistry();
  const inputs = [
    { topic: avroIn, format: 'avro' as const },
    { topic: jsonIn, format: 'json' as const },
  ];
  const scorer = await startScorer(scorerConfig({ groupId, registryUrl: registry.url, inputs, output, outputFormat: 'avro', deadLetter: dlq }));
  t.after(() => stopScorer(scorer, 'SIGKILL', 5000));
  await scorer.waitReady();
  return { avroIn, jsonIn, output, groupId, registryUrl: registry.url, scorer };
}

function assertExactlyOnce(result: LoadResult, expected: number, what: string): void {
  assert.equal(result.sendErrors, 0, `${what}: send errors; notes: ${result.notes?.join('; ')}`);
  assert.equal(result.sent, expected, `${what}: sent the schedule's events`);
  assert.equal(result.missing, 0, `${what}: missing`);
  assert.equal(result.duplicates, 0, `${what}: duplicates`);
  assert.equal(result.received, result.sent, `${what}: one prediction per event`);
  assert.equal(result.distinct, result.sent, `${what}: distinct`);
}

function runCli(args: readonly string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(REPO_ROOT, 'loadgen', 'main.ts'), ...args], { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 120_000);
    child.once('error', reject);
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

test('loadgen: open-loop step profile and the CLI, each event predicted exactly once', async (t) => {
  const env = await setUp(t);
  const scorer: ScorerHandle = env.scorer;

  await t.test('runLoad, Avro, 300/s then 1,500/s', async () => {
    const profile = parseProfile('300@2s,1500@2s');
    const progress: Progress[] = [];
    const result = await runLoad({
      brokers: BROKERS,
      inputTopic: env.avroIn,
      outputTopic: env.output,
      format: 'avro',
      registryUrl: env.registryUrl,
      profile,
      keys: { kind: 'zipf', exponent: 1 },
      accounts: 1000,
      seed: 3,
      drainTimeoutMs: 60_000,
      warmupMs: 0,
      consumerGroup: env.groupId,
      sampleRssMiB: () => scorer.rssMiB(),
      onProgress: (p) => progress.push(p),
    });
    const perPhase = [eventsInPhase(300, 2000), eventsInPhase(1500, 2000)];
    assert.deepEqual(perPhase, [600, 3000], 'the schedule calls for rate x duration');
    assertExactlyOnce(result, 3600, 'runLoad');
    assert.equal(result.latency.count, result.sent, 'every event timed (no warmup)');
    assert.ok(result.latency.p50 > 0 && result.latency.max >= result.latency.p99, JSON.stringify(result.latency));
    assert.deepEqual(
      result.phases.map((p) => [p.rate, p.sent, p.latency.count]),
      [
        [300, 600, 600],
        [1500, 3000, 3000],
      ],
    );
    assert.ok(result.timeline.length >= 4, `timeline has ${result.timeline.length} points`);
    assert.equal(result.timeline.reduce((sum, p) => sum + p.received, 0) <= result.received, true);
    assert.ok(
      result.timeline.some((p) => p.groupLag !== undefined),
      'group lag sampled',
    );
    assert.ok(result.memory !== undefined && result.memory.peakMiB > 0, 'scorer memory sampled');
    assert.ok(progress.length >= 3, `progress reported every second: ${progress.length} times`);
    const phases = progress.map((p) => p.phase);
    assert.deepEqual(phases, [...phases].sort(), `progress moves through the phases in order: ${phases.join(',')}`);
    assert.equal(phases[0], 0);
    assert.notEqual(result.lag.drainMs, null);
    const ends = await endOffsets(env.avroIn);
    assert.equal(
      [...ends.values()].reduce((a, b) => a + b, 0),
      result.sent,
      'the input holds each event once',
    );
  });

  await t.test('CLI, JSON in: exit 0, results JSON and an SVG chart', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'loadgen-cli-'));
    const out = join(dir, 'results.json');
    const chart = join(dir, 'latency.svg');
    const { code, stdout, stderr } = await runCli([
      '--brokers',
      BROKERS.join(','),
      '--registry',
      env.registryUrl,
      '--topic',
      env.jsonIn,
      '--predictions',
      env.output,
      '--format',
      'json',
      '--rate',
      '500',
      '--duration',
      '2s',
      '--out',
      out,
      '--chart',
      chart,
    ]);
    assert.equal(code, 0, `exit code; stdout:\n${stdout}\nstderr:\n${stderr}`);
    assert.match(stdout, /OK: every event sent got a prediction/);
    const result = JSON.parse(readFileSync(out, 'utf8')) as LoadResult;
    assertExactlyOnce(result, 1000, 'CLI');
    assert.ok(readFileSync(chart, 'utf8').startsWith('<svg'), 'the chart is an SVG image');
  });
});
