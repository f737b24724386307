/**
 * Drift on a real broker, read from the scorer's /metrics: the fraud model's training statistics
 * (models/fraud/1/feature-stats.json) against what it is fed over a short sliding window. Events from
 * the training distribution (the golden rows) keep every feature's PSI near 0 and the missing shares
 * near training's; once the window has moved past them, events whose amount the test multiplied and
 * whose e-mail risk score it left out move amount's PSI above 0.25 and that field's missing share
 * towards 1, while the features the test left alone stay near 0.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { setTimeout as delay } from 'node:timers/promises';
import { collect, uniqueName } from '../support/kafka.ts';
import { goldenEvents, jsonMessages, produceEvents, scenarioTopics, scorerConfig, type TestEvent } from '../support/scenario.ts';
import { type ScorerHandle, startScorer, stopScorer } from '../support/scorer-process.ts';

const EVENTS = 2000;
const WINDOW_MS = 6000;
const MODEL = 'fraud:1';

/** Every series of a gauge for MODEL, by feature. */
function gauge(text: string, name: string): Map<string, number> {
  const out = new Map<string, number>();
  const pattern = new RegExp(`^${name}\\{model="${MODEL}",feature="([^"]+)"\\} (\\S+)$`, 'gm');
  for (const [, feature, value] of text.matchAll(pattern)) out.set(feature as string, Number(value));
  return out;
}

async function drift(scorer: ScorerHandle) {
  const text = await scorer.metrics();
  return { psi: gauge(text, 'scorer_feature_psi'), missing: gauge(text, 'scorer_feature_missing_ratio') };
}

function maxOf(values: Map<string, number>, except: readonly string[] = []): [string, number] {
  let top: [string, number] = ['', 0];
  for (const [feature, value] of values) if (!except.includes(feature) && value > top[1]) top = [feature, value];
  return top;
}

test('drift: PSI near 0 in distribution, above 0.25 for a shifted feature, and the missing share follows a field left out', async (t) => {
  const { input, output, dlq } = await scenarioTopics(t, 'drift', 3);
  const groupId = uniqueName('drift-group');
  const config = scorerConfig({ groupId, inputs: [{ topic: input, format: 'json' }], output, outputFormat: 'json', deadLetter: dlq });
  const scorer = await startScorer({ ...config, drift: { windowMs: WINDOW_MS, buckets: 6, minEvents: 500 } });
  t.after(() => stopScorer(scorer, 'SIGKILL', 5000));
  await scorer.waitReady();

  const steady = goldenEvents(EVENTS);
  await produceEvents(input, jsonMessages(steady));
  await collect(output, (all) => all.length >= EVENTS, 60_000);
  const before = await drift(scorer);
  assert.equal(before.psi.size, 30, `every numeric feature of the model is exported: ${[...before.psi.keys()].join(', ')}`);
  const [worst, worstPsi] = maxOf(before.psi);
  assert.ok(worstPsi < 0.1, `in distribution, every PSI is near 0; ${worst} is ${worstPsi}`);
  const emailBefore = before.missing.get('email_risk_score') as number;
  assert.ok(emailBefore > 0 && emailBefore < 0.15, `email_risk_score missing share near training's 0.05: ${emailBefore}`);
  assert.equal(before.missing.get('amount'), 0, 'a required field is never missing among scored events');

  // The window moves on: with fewer than minEvents in it, a model's drift is not exported.
  await delay(WINDOW_MS + 1500);
  assert.equal((await drift(scorer)).psi.size, 0, 'an emptied window exports nothing');

  const shifted: TestEvent[] = goldenEvents(EVENTS).map((e) => ({
    ...e,
    event: { ...e.event, event_id: `shifted-${e.event.event_id}`, amount: (e.event['amount'] as number) * 20, email_risk_score: null },
  }));
  await produceEvents(input, jsonMessages(shifted));
  await collect(output, (all) => all.length >= 2 * EVENTS, 60_000);
  const after = await drift(scorer);
  const amount = after.psi.get('amount') as number;
  assert.ok(amount > 0.25, `amount multiplied by 20: PSI above 0.25, got ${amount}`);
  const email = after.missing.get('email_risk_score') as number;
  assert.ok(email > 0.9, `email_risk_score left out: missing share near 1, got ${email}`);
  const [other, otherPsi] = maxOf(after.psi, ['amount', 'email_risk_score']);
  assert.ok(otherPsi < 0.1, `the features left alone stay near 0; ${other} is ${otherPsi}`);
  t.diagnostic(
    `in distribution: highest PSI ${worst} ${worstPsi.toFixed(4)}, email_risk_score missing ${emailBefore.toFixed(3)}; ` +
      `shifted: amount PSI ${amount.toFixed(3)}, email_risk_score missing ${email.toFixed(3)}, highest other PSI ${other} ${otherPsi.toFixed(4)}`,
  );
  const { code } = await stopScorer(scorer, 'SIGTERM', 35_000);
  assert.equal(code, 0, `scorer exit code; logs:\n${scorer.logs().slice(-3000)}`);
});
