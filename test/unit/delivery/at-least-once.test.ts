import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Log } from '../../../src/core/log.ts';
import { AtLeastOnceCommitter } from '../../../src/delivery/at-least-once.ts';
import type { WatermarkSource } from '../../../src/delivery/committer.ts';
import type { CommitOffset, CommitResult } from '../../../src/kafka/client.ts';
import { FakeClock } from '../../support/fake-clock.ts';

const INTERVAL_MS = 1000;
const TIMEOUT_MS = 5000;

/** A partition whose watermark is at `offset` until a commit of it is marked. */
class OnePartition implements WatermarkSource {
  offset = 10;
  committedAt = 0;
  movedWatermarks(): CommitOffset[] {
    return this.offset > this.committedAt ? [{ topic: 't', partition: 0, epoch: 1, offset: this.offset }] : [];
  }
  committed(offsets: readonly CommitOffset[]): void {
    for (const o of offsets) this.committedAt = Math.max(this.committedAt, o.offset);
  }
  commitDue(): boolean {
    return false;
  }
}

/** A consumer whose commits settle only when the test says, one by one. */
class HeldCommits {
  readonly calls: { offsets: readonly CommitOffset[]; settle: (result: CommitResult) => void }[] = [];
  commit(offsets: readonly CommitOffset[]): Promise<CommitResult> {
    return new Promise((settle) => this.calls.push({ offsets, settle }));
  }
}

function logged(): Log & { warnings: string[] } {
  const warnings: string[] = [];
  return { warnings, debug: () => undefined, info: () => undefined, warn: (_, msg) => warnings.push(msg), error: () => undefined };
}

const settled = () => new Promise((resolve) => setImmediate(resolve));

function committer(clock: FakeClock, source: OnePartition, consumer: HeldCommits, log: Log, outcomes: boolean[]): AtLeastOnceCommitter {
  return new AtLeastOnceCommitter({
    source,
    consumer,
    intervalMs: INTERVAL_MS,
    timeoutMs: TIMEOUT_MS,
    scheduler: clock,
    log,
    recordCommit: (ok) => outcomes.push(ok),
  });
}

test('a commit that never settles is given up on after timeoutMs, and the timer sends the next one', async () => {
  const clock = new FakeClock();
  const source = new OnePartition();
  const consumer = new HeldCommits();
  const log = logged();
  const outcomes: boolean[] = [];
  const commits = committer(clock, source, consumer, log, outcomes);

  clock.advance(INTERVAL_MS);
  assert.equal(consumer.calls.length, 1, 'the timer sent a commit');
  clock.advance(TIMEOUT_MS - 1);
  await settled();
  assert.equal(consumer.calls.length, 1, 'nothing more while the first may still settle');
  assert.deepEqual(outcomes, []);

  clock.advance(1);
  await settled();
  assert.deepEqual(outcomes, [false], 'counted as a failed commit');
  assert.equal(log.warnings.length, 1);
  source.offset = 20;
  clock.advance(INTERVAL_MS);
  assert.equal(consumer.calls.length, 2, 'the timer re-armed and sent the next commit');
  assert.equal(consumer.calls[1]?.offsets[0]?.offset, 20, 'with the watermark as it stands now');

  consumer.calls[1]?.settle({ refused: [] });
  await settled();
  assert.equal(source.committedAt, 20);
  assert.deepEqual(outcomes, [false, true]);

  // The abandoned call settling late marks nothing and counts nothing.
  consumer.calls[0]?.settle({ refused: [] });
  await settled();
  assert.equal(source.committedAt, 20);
  assert.deepEqual(outcomes, [false, true]);
  await commits.close();
  assert.equal(clock.pendingTimers, 0, 'close leaves no timer behind');
});

test('a commit that settles in time is not timed out later', async () => {
  const clock = new FakeClock();
  const source = new OnePartition();
  const consumer = new HeldCommits();
  const outcomes: boolean[] = [];
  const commits = committer(clock, source, consumer, logged(), outcomes);
  clock.advance(INTERVAL_MS);
  consumer.calls[0]?.settle({ refused: [] });
  await settled();
  clock.advance(TIMEOUT_MS);
  await settled();
  assert.deepEqual(outcomes, [true], 'one successful commit and no timeout after it');
  assert.equal(source.committedAt, 10);
  await commits.close();
});
