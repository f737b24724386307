/**
 * Hot reload on a real broker, under steady load (issue 10 item 7): the scorer serves fraud 1 from a
 * temporary repository it watches; version 2 is copied in file by file and goes live once complete and
 * stable; a version 3 with a truncated model.onnx fails to load and a version 4 whose golden.json does
 * not match (asked for through the admin API) fails its golden check, both leaving version 2 serving
 * with the reason in /models and /readyz; a rollback request serves version 1 again. Every input
 * offset gets exactly one prediction or dead letter, and per partition the versions follow the switches
 * in offset order (1, then 2, then 1 again), never one of the broken versions.
 */
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { readCommitted } from '../support/committed-read.ts';
import { BROKERS, committedOffsets, endOffsets, uniqueName } from '../support/kafka.ts';
import { describeTally, tally } from '../support/output-tally.ts';
import { scenarioTopics, scorerConfig } from '../support/scenario.ts';
import { REPO_ROOT, type ScorerHandle, startScorer, stopScorer } from '../support/scorer-process.ts';
import { SteadyLoad } from '../support/steady-load.ts';

const TOKEN = 'hot-reload-test-token-0123456789';
const FRAUD = join(REPO_ROOT, 'models', 'fraud');
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

interface Listing {
  readonly models: { name: string; version: number; previous: number | null; loaded: number[]; watched: boolean; lastReload: Reload | null }[];
  readonly lastFailedReload: (Reload & { model: string }) | null;
}
interface Reload {
  readonly version: number;
  readonly result: string;
  readonly trigger: string;
  readonly reason?: string;
}

async function http(scorer: ScorerHandle, path: string, init?: RequestInit): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await fetch(`http://127.0.0.1:${scorer.port}${path}`, init);
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

const admin = (scorer: ScorerHandle, path: string, token = TOKEN) =>
  http(scorer, path, { method: 'POST', headers: token === '' ? {} : { authorization: `Bearer ${token}` } });

async function fraud(scorer: ScorerHandle): Promise<Listing['models'][number]> {
  const { body } = await http(scorer, '/models');
  return (body as unknown as Listing).models.find((m) => m.name === 'fraud') as Listing['models'][number];
}

async function until<T>(what: string, read: () => Promise<T>, done: (value: T) => boolean, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (done(value)) return value;
    if (Date.now() > deadline) throw new Error(`${what}: still ${JSON.stringify(value)} after ${timeoutMs} ms`);
    await sleep(100);
  }
}

/** Writes a version directory the way a slow copy would: config first, the graph last. */
async function publish(dir: string, files: Record<string, Buffer | string>): Promise<void> {
  await mkdir(dir);
  for (const [name, content] of Object.entries(files)) {
    await writeFile(join(dir, name), content);
    await sleep(150);
  }
}

/** "1,2,1" style: the versions of a partition's predictions in offset order, runs collapsed. */
function runsOf(versions: readonly number[]): number[] {
  return versions.filter((v, i) => i === 0 || versions[i - 1] !== v);
}

test('a new version is switched under load with no loss or duplicate; broken versions keep the old one serving; a rollback is one request', async (t) => {
  const { input, output, dlq } = await scenarioTopics(t, 'hot-reload', 3);
  const repository = await mkdtemp(join(tmpdir(), 'hot-reload-models-'));
  t.after(() => rm(repository, { recursive: true, force: true }));
  await mkdir(join(repository, 'fraud'));
  await symlink(join(FRAUD, '1'), join(repository, 'fraud', '1'));

  const groupId = uniqueName('hot-reload-group');
  const base = scorerConfig({ groupId, inputs: [{ topic: input, format: 'json' }], output, outputFormat: 'json', deadLetter: dlq });
  const scorer = await startScorer({
    ...base,
    models: { repository, serve: [{ name: 'fraud' }], watch: true, watchIntervalMs: 250 },
    admin: { token: TOKEN },
    batching: { maxBatchSize: 64, maxDelayMs: 2 },
    inference: { threads: 2 },
  });
  t.after(() => stopScorer(scorer, 'SIGKILL', 5000));
  await scorer.waitReady();
  const start = await fraud(scorer);
  assert.deepEqual([start.version, start.previous, start.loaded, start.watched, start.lastReload], [1, null, [1], true, null]);

  const load = new SteadyLoad(BROKERS, input, 600);
  await load.start();
  t.after(() => load.stop());
  await sleep(2000);

  // Version 2, copied in file by file: live once complete and unchanged for a poll interval.
  const v2 = (name: string) => readFile(join(FRAUD, '2', name));
  await publish(join(repository, 'fraud', '2'), {
    'config.yaml': await v2('config.yaml'),
    'golden.json': await v2('golden.json'),
    'model.onnx': await v2('model.onnx'),
  });
  const switched = await until(
    'version 2 switched',
    () => fraud(scorer),
    (m) => m.version === 2,
  );
  assert.deepEqual([switched.previous, switched.lastReload?.result, switched.lastReload?.trigger], [1, 'switched', 'watch']);
  await sleep(2000);

  // Version 3: a truncated graph. It fails to load; version 2 serves on.
  const onnx = await v2('model.onnx');
  await publish(join(repository, 'fraud', '3'), { 'config.yaml': await v2('config.yaml'), 'model.onnx': onnx.subarray(0, onnx.length >>> 1) });
  const broken = await until(
    'version 3 refused',
    () => fraud(scorer),
    (m) => m.lastReload?.version === 3,
  );
  assert.equal(broken.version, 2);
  assert.equal(broken.lastReload?.result, 'failed');
  assert.match(broken.lastReload?.reason ?? '', /model fraud:3 .*failed to load/);
  const ready = await http(scorer, '/readyz');
  assert.equal(ready.status, 200, 'still ready: version 2 serves');
  assert.equal((ready.body['detail'] as { lastFailedReload: Reload & { model: string } }).lastFailedReload.version, 3);
  assert.equal((ready.body['detail'] as { lastFailedReload: Reload & { model: string } }).lastFailedReload.model, 'fraud');

  // Version 4, through the admin API: version 2's graph with version 1's golden outputs.
  const golden1 = JSON.parse(await readFile(join(FRAUD, '1', 'golden.json'), 'utf8')) as Record<string, unknown>;
  const staleGolden = JSON.stringify({ ...golden1, version: 4 });
  await publish(join(repository, 'fraud', '4'), { 'golden.json': staleGolden, 'config.yaml': await v2('config.yaml'), 'model.onnx': onnx });
  assert.equal((await admin(scorer, '/models/fraud/load?version=4', '')).status, 401);
  assert.equal((await admin(scorer, '/models/fraud/load?version=4', 'not-the-admin-token')).status, 403);
  // The watcher may try version 4 too (it is above the served one, complete and stable): it fails there as well.
  const refused = await admin(scorer, '/models/fraud/load?version=4');
  assert.equal(refused.status, 422, JSON.stringify(refused.body));
  assert.match(String(refused.body['error']), /^golden\.json does not match: row \d+: score/);
  const four = await fraud(scorer);
  assert.deepEqual([four.version, four.lastReload?.version, four.lastReload?.result], [2, 4, 'failed']);
  await sleep(1500);

  // Rollback: one request, back to version 1 (loaded all along as the previous version).
  const rolled = await admin(scorer, '/models/fraud/rollback');
  assert.equal(rolled.status, 200, JSON.stringify(rolled.body));
  const after = await fraud(scorer);
  assert.deepEqual([after.version, after.previous, after.lastReload?.trigger], [1, 2, 'rollback']);
  await sleep(2000);

  const sent = await load.stop();
  assert.ok(sent > 3000, `sent ${sent}`);
  const ends = await endOffsets(input);
  await until(
    'every input offset committed',
    () => committedOffsets(groupId, input),
    (committed) => [...ends].every(([p, end]) => committed.get(p) === end),
    60_000,
  );
  const counted = await tally({ input, output, dlq }, BROKERS);
  assert.equal(counted.losses + counted.duplicates + counted.strays, 0, describeTally(counted));

  const predictions = await readCommitted(output, await endOffsets(output), BROKERS, 60_000);
  const byPartition = new Map<number, { offset: number; version: number }[]>();
  for (const c of predictions) {
    const p = JSON.parse((c.value as Buffer).toString()) as { source_partition: number; source_offset: number; model_version: number };
    byPartition.set(p.source_partition, [...(byPartition.get(p.source_partition) ?? []), { offset: p.source_offset, version: p.model_version }]);
  }
  for (const [partition, rows] of byPartition) {
    const runs = runsOf(rows.sort((a, b) => a.offset - b.offset).map((r) => r.version));
    assert.deepEqual(runs, [1, 2, 1], `partition ${partition}: versions in offset order ran ${runs.join(' -> ')}`);
  }

  const metrics = await scorer.metrics();
  assert.match(metrics, /^scorer_model_reload_total\{model="fraud",result="switched"\} 1$/m);
  assert.match(metrics, /^scorer_model_reload_total\{model="fraud",result="failed"\} [2-9]$/m);
  assert.match(metrics, /^scorer_model_reload_total\{model="fraud",result="rolled_back"\} 1$/m);
  assert.match(metrics, /^scorer_model_served_version\{model="fraud"\} 1$/m);
  assert.match(scorer.logs(), /"model":"fraud","version":3.*model reload failed; the served version keeps serving/);
  assert.equal((await stopScorer(scorer, 'SIGTERM', 30_000)).code, 0, scorer.logs().slice(-3000));
});
