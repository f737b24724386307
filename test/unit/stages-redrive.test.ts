/**
 * The stages with the redrive command's presenter in front of intake (in memory, as stages.test.ts):
 * dead letters admitted as their original records come out with the original lineage, those that fail
 * again are dead-lettered under it with the new reason, and the ones passed over hold no budget.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { deadLetterRecord } from '../../src/delivery/dead-letter.ts';
import type { DlqReason } from '../../src/errors.ts';
import type { ConsumedRecord } from '../../src/kafka/client.ts';
import { EndSnapshot } from '../../src/redrive/end-snapshot.ts';
import { parseFilter } from '../../src/redrive/filter.ts';
import { DeadLetterPresenter } from '../../src/redrive/presenter.ts';
import { RedriveTally } from '../../src/redrive/tally.ts';
import { header, parsed, settle, setup } from '../support/stage-fakes.ts';

/** The DLQ ('in', partition 0) at offset i holds source-topic[5] offset 100 + i, its value {x}. */
function letters(values: readonly { x: unknown; reason: DlqReason }[]): ConsumedRecord[] {
  return values.map(({ x, reason }, i) => {
    const original = { offset: 100 + i, timestamp: 1, key: Buffer.from(`k${i}`), value: Buffer.from(JSON.stringify({ x })), headers: [] };
    const out = deadLetterRecord('in', { topic: 'source-topic', partition: 5, record: original }, reason, 'then', 0);
    return { offset: i, timestamp: 4000, key: out.key, value: out.value, headers: out.headers };
  });
}

test('redriven records carry their original lineage; a record failing again keeps its source headers; skipped ones are consumed, not admitted', async () => {
  const tally = new RedriveTally();
  const presenter = new DeadLetterPresenter({
    filter: parseFilter({ reason: ['INFERENCE_FAILED'] }),
    snapshot: new EndSnapshot([{ partition: 0, start: 0, end: 4 }]),
    tally,
    dryRun: false,
  });
  const { clock, producer, consumer, stages } = setup(undefined, { presenter });
  const records = letters([
    { x: 1, reason: 'INFERENCE_FAILED' },
    { x: 'oops', reason: 'INFERENCE_FAILED' },
    { x: 3, reason: 'INFERENCE_FAILED' },
    { x: 4, reason: 'JSON_DECODE' },
  ]);
  const admission = stages.intake.batch({ topic: 'in', partition: 0, epoch: 1, highWatermark: 4, records });
  assert.equal(stages.intake.batchesAdmitting, 1, 'a batch being admitted is counted: the redrive does not finish under it');
  assert.equal(await admission, 4, 'all four consumed');
  assert.equal(stages.intake.batchesAdmitting, 0);
  await settle(clock);
  assert.deepEqual(
    producer.sent.map((r) => r.topic),
    ['out', 'dlq', 'out'],
  );
  assert.deepEqual(
    [producer.sent[0], producer.sent[2]].map((r) => r && [parsed(r).source_partition, parsed(r).source_offset]),
    [
      [5, 100],
      [5, 102],
    ],
  );
  const again = producer.sent[1];
  assert.deepEqual(
    ['scorer.error.reason', 'scorer.source.topic', 'scorer.source.partition', 'scorer.source.offset'].map((h) => header(again, h)),
    ['FEATURE_TYPE', 'source-topic', '5', '101'],
  );
  assert.equal(again?.headers.filter(([k]) => k === 'scorer.error.reason').length, 1, 'the old reason is not carried along');
  assert.deepEqual([tally.read, tally.matched, [...tally.skipped]], [4, 3, [['reason', 1]]]);
  await stages.committer.commit();
  assert.equal(consumer.last(0), 3, 'the commit covers what was admitted; the skipped record after it is read again by a rerun, and skipped again');
  assert.equal(stages.intake.inSystem, 0);
});
