import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { DeadLetter } from '../../../src/delivery/dead-letter.ts';
import { FlagError, parseFilter, skipReason } from '../../../src/redrive/filter.ts';

const letter = (over: Partial<DeadLetter> = {}): DeadLetter => ({
  reason: 'INFERENCE_FAILED',
  source: { topic: 'payments', partition: 3, offset: 42 },
  failedAt: Date.parse('2026-11-30T12:00:00Z'),
  timestamp: Date.parse('2026-11-30T12:00:01Z'),
  original: { offset: 42, timestamp: 0, key: null, value: null, headers: [] },
  ...over,
});

const flagError = (fn: () => unknown, flag: string, message: RegExp) =>
  assert.throws(fn, (error: unknown) => error instanceof FlagError && error.flag === flag && message.test(error.message));

test('no flags: every dead letter matches, times compared on failed-at', () => {
  const filter = parseFilter({});
  assert.deepEqual(filter, { time: 'failed-at' });
  assert.equal(skipReason(filter, letter()), undefined);
});

test('--reason repeats and lists codes with commas; an unknown code is refused with the valid ones listed', () => {
  const filter = parseFilter({ reason: ['INFERENCE_FAILED, UNKNOWN_SCHEMA_ID', 'INTERNAL_ERROR'] });
  assert.deepEqual([...(filter.reasons ?? [])], ['INFERENCE_FAILED', 'UNKNOWN_SCHEMA_ID', 'INTERNAL_ERROR']);
  assert.equal(skipReason(filter, letter({ reason: 'INTERNAL_ERROR' })), undefined);
  assert.equal(skipReason(filter, letter({ reason: 'JSON_DECODE' })), 'reason');
  flagError(
    () => parseFilter({ reason: ['INFERENCE_FAILD'] }),
    '--reason',
    /unknown reason code "INFERENCE_FAILD"; the codes are TOMBSTONE, OVERSIZED, .*INTERNAL_ERROR$/,
  );
});

test('--partitions: one partition or a range, both ends included; malformed or reversed ranges refused', () => {
  assert.deepEqual(parseFilter({ partitions: '3' }).partitions, { from: 3, to: 3 });
  const filter = parseFilter({ partitions: '2-4' });
  assert.deepEqual(filter.partitions, { from: 2, to: 4 });
  for (const partition of [2, 3, 4]) assert.equal(skipReason(filter, letter({ source: { topic: 't', partition, offset: 0 } })), undefined);
  for (const partition of [1, 5]) assert.equal(skipReason(filter, letter({ source: { topic: 't', partition, offset: 0 } })), 'partition');
  for (const bad of ['a-b', '1-2-3', '-1', '1-', '', '1.5']) flagError(() => parseFilter({ partitions: bad }), '--partitions', /is not a partition or a range/);
  flagError(() => parseFilter({ partitions: '5-2' }), '--partitions', /"5-2" ends before it starts/);
});

test('--since is inclusive and --until exclusive, on failed-at by default', () => {
  const at = Date.parse('2026-11-30T12:00:00Z');
  const filter = parseFilter({ since: '2026-11-30T12:00:00Z', until: '2026-11-30T13:00:00Z' });
  assert.deepEqual([filter.since, filter.until], [at, at + 3_600_000]);
  assert.equal(skipReason(filter, letter({ failedAt: at })), undefined);
  assert.equal(skipReason(filter, letter({ failedAt: at - 1 })), 'time');
  assert.equal(skipReason(filter, letter({ failedAt: at + 3_600_000 })), 'time');
  const { failedAt: _, ...unstamped } = letter();
  assert.equal(skipReason(filter, unstamped), 'time', 'a letter without a readable failed-at fails a time bound');
});

test('--time timestamp compares the DLQ record timestamp; times take dates, zone-less times as UTC, and epoch milliseconds', () => {
  const filter = parseFilter({ time: 'timestamp', since: String(Date.parse('2025-11-30T12:00:01Z')) });
  assert.equal(filter.since, Date.parse('2025-11-30T12:00:01Z'));
  assert.equal(skipReason(filter, letter({ timestamp: Date.parse('2025-11-30T12:00:01Z') })), undefined);
  assert.equal(skipReason(filter, letter({ timestamp: Date.parse('2025-11-30T12:00:00Z') })), 'time');
  assert.equal(parseFilter({ since: '2026-11-30' }).since, Date.parse('2026-11-30T00:00:00Z'));
  assert.equal(parseFilter({ since: '2026-11-30T08:00' }).since, Date.parse('2026-11-30T08:00:00Z'));
  assert.equal(parseFilter({ since: '2026-11-30T08:00+02:00' }).since, Date.parse('2026-11-30T06:00:00Z'));
});

test('bad times, a reversed window and an unknown --time field are refused by flag', () => {
  flagError(() => parseFilter({ since: 'yesterday' }), '--since', /"yesterday" is not a time/);
  flagError(() => parseFilter({ until: '2026-13-45' }), '--until', /is not a time/);
  flagError(() => parseFilter({ since: '2026-12-01', until: '2026-11-01' }), '--until', /2026-11-01 is not after --since 2026-12-01/);
  flagError(() => parseFilter({ time: 'created' }), '--time', /"created" is not one of failed-at, timestamp/);
});
