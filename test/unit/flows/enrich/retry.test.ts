/** The enrichment's bounded retries on a fake clock: each attempt recorded, the backoff waited, then given up. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ENRICH_BACKOFF, withRetries } from '../../../../src/flows/enrich/retry.ts';
import { StoreUnavailable } from '../../../../src/flows/enrich/store.ts';
import { FakeClock } from '../../../support/fake-clock.ts';

/** Lets the retry loop reach its next sleep. */
const settle = () => new Promise((resolve) => setImmediate(resolve));

test('a failure is retried after the backoff; the attempts say how each went', async () => {
  const clock = new FakeClock();
  const outcomes: (Error | 'ok')[] = [new StoreUnavailable('refused', false), new StoreUnavailable('slow', true), 'ok'];
  const fetch = async () => {
    const next = outcomes.shift();
    if (next !== 'ok') throw next;
    return 'value';
  };
  const running = withRetries(fetch, 5, { retries: 3, policy: ENRICH_BACKOFF, clock, scheduler: clock, random: () => 1 });
  await settle();
  clock.advance(ENRICH_BACKOFF.initialMs - 1);
  await settle();
  assert.equal(outcomes.length, 2, 'the second attempt waits out the first backoff');
  clock.advance(1);
  await settle();
  clock.advance(ENRICH_BACKOFF.initialMs * 2);
  const result = await running;
  assert.deepEqual(result, {
    value: 'value',
    attempts: [
      { outcome: 'error', ms: 0, keys: 5 },
      { outcome: 'timeout', ms: 0, keys: 5 },
      { outcome: 'ok', ms: 0, keys: 5 },
    ],
  });
});

test('after 1 + retries failures it gives up with the last reason; other errors are bugs and thrown', async () => {
  const clock = new FakeClock();
  let calls = 0;
  const down = async () => {
    calls++;
    throw new StoreUnavailable(`refused ${calls}`, false);
  };
  const running = withRetries(down, 1, { retries: 2, policy: ENRICH_BACKOFF, clock, scheduler: clock });
  for (let i = 0; i < 3; i++) {
    await settle();
    clock.advance(ENRICH_BACKOFF.maxMs);
  }
  const result = await running;
  assert.equal(calls, 3);
  assert.ok('unavailable' in result && result.unavailable === 'refused 3');
  assert.equal(result.attempts.length, 3);
  await assert.rejects(
    withRetries(
      async () => {
        throw new TypeError('bug');
      },
      1,
      { retries: 5, policy: ENRICH_BACKOFF, clock, scheduler: clock },
    ),
    TypeError,
  );
});
