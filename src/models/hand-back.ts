/**
 * A flow batch that its worker handed back (enrichment: Redis stayed unavailable through the worker's
 * retries, and the flow waits) is sent again, after a backoff, until a worker scores it. While it
 * waits it holds its worker slot and its rows stay admitted and unacknowledged, so the lane's budget
 * and the uncommitted window fill and intake pauses the partitions: nothing is dropped, nothing is
 * scored without its features, and memory stays bounded by the budgets. The parts a worker did score
 * go on as usual. A row whose partition was revoked while it waited is abandoned (its next owner reads
 * it again); at shutdown the waiting rows are dropped like rows no worker holds yet (never sent, so
 * never committed).
 */
import { type BackoffPolicy, backoffDelay, sleep } from '../core/backoff.ts';
import type { Clock, Scheduler } from '../core/clock.ts';
import type { Log } from '../core/log.ts';
import type { FlowScoredReply } from '../inference/protocol.ts';
import type { BatchResults } from './bisect.ts';
import type { Work } from './work.ts';

/** Between sends of a handed-back batch; the worker has already retried for about a second. */
export const HAND_BACK_BACKOFF: BackoffPolicy = { initialMs: 100, maxMs: 2000 };

export interface HandBackDeps {
  readonly clock: Clock;
  readonly scheduler: Scheduler;
  /** Shutdown began: stop sending again. */
  readonly stopping: () => boolean;
  /** Each reply that handed rows back, with how many and the round (1: the first send). */
  readonly handedBack: (reply: FlowScoredReply, rows: number, round: number) => void;
}

export interface UntilScored {
  readonly results: BatchResults<FlowScoredReply>;
  /** Time spent waiting between sends: not the batch's service time. */
  readonly waitedMs: number;
}

export async function scoreUntilScored(
  score: (items: readonly Work[]) => Promise<BatchResults<FlowScoredReply>>,
  items: readonly Work[],
  deps: HandBackDeps,
): Promise<UntilScored> {
  const results: BatchResults<FlowScoredReply> = { parts: [], failed: [] };
  let waitedMs = 0;
  let pending = items;
  for (let round = 1; pending.length > 0; round++) {
    const sent = await score(pending);
    results.failed.push(...sent.failed);
    const back: Work[] = [];
    for (const part of sent.parts) {
      if (part.reply.handedBack === undefined) results.parts.push(part);
      else {
        back.push(...part.items);
        deps.handedBack(part.reply, part.items.length, round);
      }
    }
    if (back.length === 0) break;
    const start = deps.clock.now();
    await sleep(deps.scheduler, backoffDelay(HAND_BACK_BACKOFF, round));
    waitedMs += deps.clock.now() - start;
    pending = deps.stopping() ? [] : keepOwned(back);
  }
  return { results, waitedMs };
}

function keepOwned(rows: readonly Work[]): Work[] {
  const owned: Work[] = [];
  for (const w of rows) {
    if (w.ledger.revoked) w.ledger.abandon(w.offset);
    else owned.push(w);
  }
  return owned;
}

/**
 * A flow lane's hand-back callbacks: each handed-back reply recorded, one warning when its batches start
 * waiting and one line when a scored batch shows Redis answering again, not a line per send.
 */
export function waitLog(flow: string, record: (reply: FlowScoredReply) => void, log: Log, clock: Clock) {
  let since: number | undefined;
  return {
    handedBack: (reply: FlowScoredReply, rows: number, round: number) => {
      record(reply);
      if (since !== undefined) return;
      since = clock.now();
      log.warn(
        { flow, rows, round, why: reply.handedBack },
        'enrichment: Redis is unavailable; the batch waits and is sent again (intake pauses as the budget fills)',
      );
    },
    scored: (reply: FlowScoredReply) => {
      if (since === undefined || reply.enrichment === undefined) return;
      log.info({ flow, waitedMs: Math.round(clock.now() - since) }, 'enrichment: Redis answers again; the waiting batches are scored');
      since = undefined;
    },
  };
}
