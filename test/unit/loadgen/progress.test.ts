import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ProgressStream } from '../../../loadgen/progress.ts';
import { createProgressWriter, formatProgress, LOG_INTERVAL_MS } from '../../../loadgen/progress.ts';
import type { Progress } from '../../../loadgen/types.ts';

const PROGRESS: Progress = {
  elapsedMs: 42_300,
  phase: 1,
  targetRate: 10_000,
  scheduled: 412_100,
  sent: 412_003,
  predicted: 411_870,
  outstanding: 133,
  sendRate: 9998,
  predictRate: 10_012.4,
  p99Ms: 18.43,
  rssMiB: 231.2,
};

function fakeStream(isTTY: boolean, columns?: number): ProgressStream & { readonly chunks: string[] } {
  const chunks: string[] = [];
  return { isTTY, ...(columns === undefined ? {} : { columns }), chunks, write: (text: string) => chunks.push(text) };
}

test('formatProgress shows phase, counts, rates, p99 and rss on one line', () => {
  assert.equal(
    formatProgress(PROGRESS, 3),
    '  42s  phase 2/3 10,000/s    sent   412,003 (9,998/s)  predicted   411,870 (10,012/s)  outstanding     133  p99   18.4 ms  rss 231 MiB',
  );
});

test('formatProgress says how far the generator is behind, only when it is', () => {
  assert.match(formatProgress({ ...PROGRESS, behind: 12_500 }, 3), /p99 {3}18\.4 ms {2}behind 12,500 {2}rss 231 MiB$/);
  assert.doesNotMatch(formatProgress({ ...PROGRESS, behind: 0 }, 3), /behind/);
});

test('formatProgress: draining, no latency yet, no rss', () => {
  const { rssMiB: _, ...rest } = PROGRESS;
  const line = formatProgress({ ...rest, phase: 3, p99Ms: null, targetRate: 'max' }, 3);
  assert.match(line, /^ {2}42s {2}draining {2}/);
  assert.match(line, /p99 {9}-$/);
  assert.doesNotMatch(line, /rss/);
  assert.match(formatProgress({ ...PROGRESS, phase: 0, targetRate: 'max' }, 1), /phase 1\/1 max rate/);
});

test('on a terminal each update rewrites the line, cut to the width', () => {
  const stream = fakeStream(true, 40);
  const writer = createProgressWriter(stream, 3, () => assert.fail('a terminal needs no clock'));
  writer.update(PROGRESS);
  writer.update({ ...PROGRESS, elapsedMs: 43_000 });
  assert.equal(stream.chunks.length, 2);
  for (const chunk of stream.chunks) {
    assert.ok(chunk.startsWith('\r') && chunk.endsWith('\x1b[K'), JSON.stringify(chunk));
    assert.equal(chunk.length, 1 + 39 + 3);
  }
  assert.ok(stream.chunks[1]?.startsWith('\r  43s'));
  writer.done();
  writer.done();
  writer.update(PROGRESS);
  assert.deepEqual(stream.chunks.slice(2), ['\n']);
});

test('on a terminal, done without any update writes nothing', () => {
  const stream = fakeStream(true);
  const writer = createProgressWriter(stream, 1);
  writer.done();
  assert.deepEqual(stream.chunks, []);
});

test('in a log, a full line at most every 5 s, and the last one at done', () => {
  const stream = fakeStream(false);
  let now = 1_000_000;
  const writer = createProgressWriter(stream, 3, () => now);
  for (let second = 0; second <= 12; second++) {
    writer.update({ ...PROGRESS, elapsedMs: second * 1000 });
    now += 1000;
  }
  assert.equal(LOG_INTERVAL_MS, 5000);
  assert.deepEqual(
    stream.chunks.map((line) => line.slice(0, 5)),
    ['   0s', '   5s', '  10s'],
  );
  assert.ok(stream.chunks.every((line) => line.endsWith('\n') && !line.includes('\r')));
  writer.done();
  assert.deepEqual(
    stream.chunks.map((line) => line.slice(0, 5)),
    ['   0s', '   5s', '  10s', '  12s'],
  );
  writer.done();
  assert.equal(stream.chunks.length, 4);
});

test('in a log, done adds nothing when the last update was printed', () => {
  const stream = fakeStream(false);
  const writer = createProgressWriter(stream, 1, () => 0);
  writer.update(PROGRESS);
  writer.done();
  assert.equal(stream.chunks.length, 1);
});
