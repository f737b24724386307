/**
 * The schema registry down at start-up: the scorer waits rather than exits, /readyz says it is not ready
 * because the registry is unreachable (not an HTTP status it never got), and once the registry comes up
 * it starts and scores. A signal while it waits stops it cleanly. The registry here is the in-repo double,
 * used for what a real registry cannot do on cue: be down, then up, on a chosen port.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { startRegistryDouble } from '../../devtools/schema-registry-double.ts';
import { collect, uniqueName } from '../support/kafka.ts';
import { registryClient } from '../support/registry.ts';
import { avroMessages, decodePredictions, goldenEvents, produceEvents, registerPaymentSchema, scenarioTopics, scorerConfig } from '../support/scenario.ts';
import { freePort, type ScorerHandle, startScorer, stopScorer } from '../support/scorer-process.ts';

const EVENTS = 200;

async function readiness(scorer: ScorerHandle): Promise<{ status: number; body: { reason?: string } } | undefined> {
  try {
    const res = await fetch(`http://127.0.0.1:${scorer.port}/readyz`);
    return { status: res.status, body: (await res.json()) as { reason?: string } };
  } catch {
    return undefined;
  }
}

/** Polls /readyz until `until` holds for it, or fails after `timeoutMs`. */
async function waitForReadiness(scorer: ScorerHandle, until: (r: { status: number; body: { reason?: string } }) => boolean, timeoutMs: number) {
  const deadline = Date.now() + timeoutMs;
  let last: Awaited<ReturnType<typeof readiness>>;
  while (Date.now() < deadline) {
    last = await readiness(scorer);
    if (last !== undefined && until(last)) return last;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`readiness never matched; last ${JSON.stringify(last)}; logs:\n${scorer.logs().slice(-3000)}`);
}

async function setup(t: { after(fn: () => unknown): void }, name: string) {
  const { input, output, dlq } = await scenarioTopics(t, name, 2);
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const config = scorerConfig({
    groupId: uniqueName(`${name}-group`),
    registryUrl: url,
    inputs: [{ topic: input, format: 'avro' }],
    output,
    outputFormat: 'avro',
    deadLetter: dlq,
  });
  return { input, output, port, url, config };
}

test('registry down at start-up: not ready, saying unreachable; ready and scoring once it is up', async (t) => {
  const { input, output, port, url, config } = await setup(t, 'regdown');
  const scorer = await startScorer(config);
  t.after(() => stopScorer(scorer, 'SIGKILL', 5000));
  const waiting = await waitForReadiness(scorer, (r) => r.status === 503 && /registry/.test(r.body.reason ?? ''), 60_000);
  assert.match(waiting.body.reason ?? '', new RegExp(`schema registry at ${url} is unreachable \\(ECONNREFUSED\\)`));
  assert.doesNotMatch(waiting.body.reason ?? '', /status 400/);
  assert.equal(scorer.child.exitCode, null, 'still running, waiting');

  const registry = await startRegistryDouble({ port });
  t.after(() => registry.close());
  const client = registryClient(url);
  const id = await registerPaymentSchema(client, input);
  await produceEvents(input, await avroMessages(client, id, goldenEvents(EVENTS)));
  await scorer.waitReady(60_000);
  const collected = await collect(output, (all) => all.length >= EVENTS, 60_000);
  assert.equal((await decodePredictions(collected, client)).length, EVENTS);
  const { code } = await stopScorer(scorer, 'SIGTERM', 20_000);
  assert.equal(code, 0);
  const logs = scorer.logs();
  assert.match(logs, /"msg":"schema registry not ready; start-up waits"/);
  assert.doesNotMatch(logs, /"level":"(error|fatal)"/, 'waiting for the registry is not an error');
});

test('a signal while start-up waits for the registry stops the scorer cleanly', async (t) => {
  const { config } = await setup(t, 'regsignal');
  const scorer = await startScorer(config);
  t.after(() => stopScorer(scorer, 'SIGKILL', 5000));
  await waitForReadiness(scorer, (r) => r.status === 503 && /unreachable/.test(r.body.reason ?? ''), 60_000);
  const { code } = await stopScorer(scorer, 'SIGTERM', 10_000);
  assert.equal(code, 0, `exit 0; logs:\n${scorer.logs().slice(-2000)}`);
});
