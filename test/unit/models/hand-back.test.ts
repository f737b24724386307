/** A handed-back flow batch on a fake clock: sent again after the backoff until scored; revoked rows abandoned; nothing after shutdown. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { FlowScoredReply } from '../../../src/inference/protocol.ts';
import type { BatchResults } from '../../../src/models/bisect.ts';
import { HAND_BACK_BACKOFF, scoreUntilScored } from '../../../src/models/hand-back.ts';
import type { Work } from '../../../src/models/work.ts';
import { FakeClock } from '../../support/fake-clock.ts';

interface Row extends Work {
  readonly abandoned: number[];
}

function row(offset: number, ledger: { revoked: boolean }, abandoned: number[]): Row {
  const record = { key: null, value: Buffer.from('{}'), headers: [], offset, timestamp: 1 } as unknown as Work['record'];
  const owned = {
    get revoked() {
      return ledger.revoked;
    },
    abandon: (o: number) => abandoned.push(o),
  } as unknown as Work['ledger'];
  return { record, offset, timestamp: 1, topic: 'in', partition: 0, key: 'in[0]', schemaId: -1, ledger: owned, abandoned };
}

const reply = (handedBack?: string) => ({ kind: 'flow-scored', ...(handedBack === undefined ? {} : { handedBack }) }) as FlowScoredReply;

/** A pool stand-in that hands back while `down` holds, and records what each send held. */
function sender(state: { down: boolean }) {
  const sends: number[][] = [];
  const score = async (items: readonly Work[]): Promise<BatchResults<FlowScoredReply>> => {
    sends.push(items.map((w) => w.offset));
    return { parts: [{ items, reply: reply(state.down ? 'redis down' : undefined) }], failed: [] };
  };
  return { score, sends };
}

const settle = () => new Promise((resolve) => setImmediate(resolve));

test('a handed-back batch is sent again after the backoff until a worker scores it; the wait is counted apart', async () => {
  const clock = new FakeClock();
  const state = { down: true };
  const { score, sends } = sender(state);
  const handed: number[] = [];
  const rows = [0, 1, 2].map((o) => row(o, { revoked: false }, []));
  const running = scoreUntilScored(score, rows, { clock, scheduler: clock, stopping: () => false, handedBack: (_r, n, round) => handed.push(n * 10 + round) });
  await settle();
  clock.advance(HAND_BACK_BACKOFF.maxMs);
  await settle();
  state.down = false;
  clock.advance(HAND_BACK_BACKOFF.maxMs);
  const { results, waitedMs } = await running;
  assert.deepEqual(sends, [
    [0, 1, 2],
    [0, 1, 2],
    [0, 1, 2],
  ]);
  assert.deepEqual(handed, [31, 32], 'each hand-back reported with its rows and round');
  assert.equal(results.parts.length, 1, 'only the scored part goes on');
  assert.equal(results.parts[0]?.reply.handedBack, undefined);
  assert.ok(waitedMs >= HAND_BACK_BACKOFF.initialMs / 2 && waitedMs <= HAND_BACK_BACKOFF.maxMs * 2, `waited ${waitedMs} ms between sends`);
});

test('rows whose partition was revoked while they waited are abandoned, not sent; at shutdown nothing is sent again', async () => {
  const clock = new FakeClock();
  const { score, sends } = sender({ down: true });
  const abandoned: number[] = [];
  const lost = { revoked: false };
  const rows = [row(0, lost, abandoned), row(1, { revoked: false }, abandoned)];
  let stopping = false;
  const running = scoreUntilScored(score, rows, { clock, scheduler: clock, stopping: () => stopping, handedBack: () => {} });
  await settle();
  lost.revoked = true;
  clock.advance(HAND_BACK_BACKOFF.maxMs);
  await settle();
  stopping = true;
  clock.advance(HAND_BACK_BACKOFF.maxMs);
  const { results } = await running;
  assert.deepEqual(sends, [[0, 1], [1]]);
  assert.deepEqual(abandoned, [0]);
  assert.deepEqual(results.parts, [], 'nothing scored: the waiting row is dropped, never sent, so never committed');
});
