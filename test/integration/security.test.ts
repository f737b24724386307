/**
 * SASL and TLS against the test broker's secure listeners, on every client: each mechanism scores a
 * stream end to end over SASL_SSL, a client certificate works on the mutual-TLS listener, and a wrong
 * password, an untrusted CA and a hostname the certificate does not name each stop start-up with a
 * message that says which. No secret ever appears in the scorer's output.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { CLIENTS } from '../support/clients.ts';
import { collect, uniqueName } from '../support/kafka.ts';
import { decodePredictions, goldenEvents, jsonMessages, produceEvents, scenarioTopics, scorerConfig } from '../support/scenario.ts';
import { type ScorerHandle, startScorer, stopScorer } from '../support/scorer-process.ts';
import { type SaslMechanismName, secureBroker } from '../support/secure-broker.ts';

const EVENTS = 300;
const MECHANISMS: readonly SaslMechanismName[] = ['plain', 'scram-sha-256', 'scram-sha-512'];
/** Start-up against a refusing broker ends after the client's own retries. */
const FAILURE_TIMEOUT_MS = 90_000;

/** Topics and test traffic go through the PLAINTEXT listener: only the scorer uses the secure one. */
const topics = (t: { after(fn: () => unknown): void }, name: string) => scenarioTopics(t, name, 2);

function config(client: (typeof CLIENTS)[number], name: string, t: { input: string; output: string; dlq: string }, kafka: Record<string, unknown>) {
  const base = scorerConfig({
    client,
    groupId: uniqueName(`${name}-group`),
    inputs: [{ topic: t.input, format: 'json' }],
    output: t.output,
    outputFormat: 'json',
    deadLetter: t.dlq,
  });
  return { ...base, kafka: { ...(base['kafka'] as object), ...kafka } };
}

async function scoresEverything(t: { after(fn: () => unknown): void }, scorerConfig: Record<string, unknown>, output: string, secret: string | undefined) {
  const scorer = await startScorer(scorerConfig);
  t.after(() => stopScorer(scorer, 'SIGKILL', 5000));
  await scorer.waitReady();
  const collected = await collect(output, (all) => all.length >= EVENTS, 60_000);
  const { code } = await stopScorer(scorer, 'SIGTERM', 20_000);
  assert.equal(code, 0, `clean exit; logs:\n${scorer.logs().slice(-2000)}`);
  const ids = new Set((await decodePredictions(collected)).map((p) => `${p.source_partition}:${p.source_offset}`));
  assert.equal(ids.size, EVENTS, 'every event scored over the secure listener');
  if (secret !== undefined) assert.ok(!scorer.logs().includes(secret), 'the password never appears in the logs');
}

/** The scorer must exit non-zero on its own, and its fatal line must match `reason`. */
async function refusesToStart(
  t: { after(fn: () => unknown): void; diagnostic(message: string): void },
  scorerConfig: Record<string, unknown>,
  reason: RegExp,
  secret?: string,
): Promise<string> {
  const scorer: ScorerHandle = await startScorer(scorerConfig);
  t.after(() => stopScorer(scorer, 'SIGKILL', 5000));
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`scorer still running after ${FAILURE_TIMEOUT_MS} ms; logs:\n${scorer.logs().slice(-3000)}`)),
      FAILURE_TIMEOUT_MS,
    );
  });
  const { code } = await Promise.race([scorer.exited, timeout]).finally(() => clearTimeout(timer));
  const logs = scorer.logs();
  assert.equal(code, 1, `start-up failed; logs:\n${logs.slice(-3000)}`);
  const fatal = logs.split('\n').find((line) => line.includes('"level":"fatal"')) ?? '';
  assert.match(fatal, reason, `the fatal line says why:\n${fatal}`);
  if (secret !== undefined) assert.ok(!logs.includes(secret), 'the password never appears in the logs');
  t.diagnostic(`start-up refused: ${(JSON.parse(fatal) as { err?: { message?: string } }).err?.message ?? fatal}`);
  return fatal;
}

for (const client of CLIENTS) {
  for (const mechanism of MECHANISMS) {
    test(`[${client}] SASL ${mechanism.toUpperCase()} over TLS scores the stream end to end`, async (t) => {
      const broker = secureBroker();
      const user = broker.users[mechanism];
      const names = await topics(t, `sasl-${mechanism}`);
      await produceEvents(names.input, jsonMessages(goldenEvents(EVENTS)));
      const kafka = { brokers: broker.saslSslBrokers, tls: { caFile: broker.caFile }, sasl: { mechanism, username: user.username, password: user.password } };
      await scoresEverything(t, config(client, `sasl-${mechanism}`, names, kafka), names.output, user.password);
    });
  }

  test(`[${client}] a password from a file and a client certificate on the mutual-TLS listener work`, async (t) => {
    const broker = secureBroker();
    const names = await topics(t, 'mtls');
    await produceEvents(names.input, jsonMessages(goldenEvents(EVENTS)));
    const kafka = { brokers: broker.sslBrokers, tls: { caFile: broker.caFile, certFile: broker.clientCertFile, keyFile: broker.clientKeyFile } };
    await scoresEverything(t, config(client, 'mtls', names, kafka), names.output, undefined);

    const user = broker.users['scram-sha-512'];
    const dir = mkdtempSync(join(tmpdir(), 'scorer-secret-'));
    writeFileSync(join(dir, 'password'), `${user.password}\n`);
    const fromFile = {
      brokers: broker.saslSslBrokers,
      tls: { caFile: broker.caFile },
      sasl: { mechanism: 'scram-sha-512', username: user.username, passwordFile: join(dir, 'password') },
    };
    const again = await topics(t, 'passfile');
    await produceEvents(again.input, jsonMessages(goldenEvents(EVENTS)));
    await scoresEverything(t, config(client, 'passfile', again, fromFile), again.output, user.password);
  });

  test(`[${client}] a wrong password stops start-up, saying authentication failed`, async (t) => {
    const broker = secureBroker();
    const names = await topics(t, 'badpass');
    const user = broker.users['scram-sha-256'];
    const wrong = `${user.password}-wrong`;
    const kafka = {
      brokers: broker.saslSslBrokers,
      tls: { caFile: broker.caFile },
      sasl: { mechanism: 'scram-sha-256', username: user.username, password: wrong },
    };
    await refusesToStart(t, config(client, 'badpass', names, kafka), /authentication failed.*kafka\.sasl\.username/, wrong);
  });

  test(`[${client}] an untrusted certificate and a hostname it does not name each stop start-up, saying which`, async (t) => {
    const broker = secureBroker();
    const names = await topics(t, 'badtls');
    const untrusted = { brokers: broker.saslSslBrokers, tls: { caFile: broker.untrustedCaFile }, sasl: { mechanism: 'plain', ...broker.users.plain } };
    await refusesToStart(t, config(client, 'untrusted', names, untrusted), /not signed by a trusted CA.*kafka\.tls\.caFile/);
    const port = (broker.saslSslBrokers[0] ?? '').split(':')[1];
    const wrongHost = { brokers: [`127.0.0.1:${port}`], tls: { caFile: broker.caFile }, sasl: { mechanism: 'plain', ...broker.users.plain } };
    await refusesToStart(t, config(client, 'hostname', names, wrongHost), /does not name the host.*kafka\.tls\.checkHostname/);
  });
}
