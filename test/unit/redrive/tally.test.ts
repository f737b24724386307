import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Outgoing } from '../../../src/delivery/outgoing.ts';
import { RedriveTally } from '../../../src/redrive/tally.ts';

const outgoing = (kind: Outgoing['kind'], tag: string, fanOut = 0): Outgoing =>
  ({ kind, tag, fanOut: fanOut === 0 ? undefined : Array.from({ length: fanOut }, () => ({ tag })) }) as unknown as Outgoing;

test('the summary counts every outcome: scored with predictions (fan-out), failed again and skipped by why, largest first', () => {
  const tally = new RedriveTally();
  for (let i = 0; i < 5; i++) tally.match();
  tally.skip('reason');
  tally.skip('time');
  tally.skip('reason');
  tally.acknowledged([outgoing('prediction', 'fraud:1', 1), outgoing('prediction', 'fraud:1'), outgoing('dead-letter', 'AVRO_DECODE')]);
  tally.acknowledged([outgoing('dead-letter', 'BAD_MAGIC_BYTE'), outgoing('dead-letter', 'AVRO_DECODE')]);
  assert.equal(
    tally.summary(false),
    [
      'read         8',
      'matched      5',
      'scored       2 (3 predictions)',
      'failed again 3 (AVRO_DECODE 2, BAD_MAGIC_BYTE 1)',
      'skipped      3 (reason 2, time 1)',
    ].join('\n'),
  );
});

test('a dry run says what would be redriven and nothing of scoring', () => {
  const tally = new RedriveTally();
  tally.match();
  assert.equal(tally.summary(true), ['read         1', 'matched      1 (dry run: would be redriven)', 'skipped      0'].join('\n'));
});

test('the progress line: position against the end offsets, counts and the read rate', () => {
  const tally = new RedriveTally();
  for (let i = 0; i < 3000; i++) tally.match();
  tally.skip('partition');
  tally.acknowledged([outgoing('prediction', 'fraud:1'), outgoing('dead-letter', 'AVRO_DECODE')]);
  assert.equal(
    tally.progress({ read: 3001, total: 12000 }, 2000),
    'redrive: offset 3,001 of 12,000 (25%), read 3,001, matched 3,000, scored 1, failed again 1, skipped 1; 1,501 records/s',
  );
  assert.match(new RedriveTally().progress({ read: 0, total: 0 }, 0), /offset 0 of 0 \(100%\).*; 0 records\/s$/);
});

test('after an interruption, the matched records with no outcome are counted as not finished', () => {
  const tally = new RedriveTally();
  for (let i = 0; i < 4; i++) tally.match();
  tally.acknowledged([outgoing('prediction', 'fraud:1'), outgoing('dead-letter', 'AVRO_DECODE')]);
  assert.match(tally.summary(false), /^not finished 2 \(matched, dropped when the run stopped: a rerun reads them again\)$/m);
});
