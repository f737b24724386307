import assert from 'node:assert/strict';
import { test } from 'node:test';
import { type CpuSample, coresBusy, cpuMicrosPerEvent, eventsPerSecond, parseStatTicks, readCpuTicks } from '../../../bench/cpu.ts';

/** A /proc/<pid>/stat line with utime 1234 and stime 56 (fields 14 and 15). */
const STAT = '4242 (node) S 1 4242 4242 0 -1 4194560 9000 0 0 0 1234 56 0 0 20 0 11 0 100 1000000 5000 18446744073709551615';

test('parseStatTicks adds utime and stime', () => {
  assert.equal(parseStatTicks(STAT), 1290);
});

test('parseStatTicks counts fields from the last parenthesis: a command name may hold spaces and parentheses', () => {
  assert.equal(parseStatTicks(STAT.replace('(node)', '(my (odd) name)')), 1290);
});

test('parseStatTicks refuses what is not a stat line', () => {
  assert.throws(() => parseStatTicks('no name here'), /no command name/);
  assert.throws(() => parseStatTicks('1 (x) S 1 2'), /no utime and stime/);
});

test('readCpuTicks reads this process, and nothing for a pid that does not exist', () => {
  const ticks = readCpuTicks(process.pid);
  if (process.platform === 'linux') assert.ok(typeof ticks === 'number' && ticks >= 0);
  assert.equal(readCpuTicks(2 ** 22 + 12345), undefined);
});

const at = (tMs: number, events: number, cpuTicks: number | undefined): CpuSample => ({ tMs, events, cpuTicks });

test('CPU per event: ticks over events, in microseconds', () => {
  // 150 ticks at 100 Hz = 1.5 s of CPU over 50,000 events = 30 µs each.
  assert.equal(cpuMicrosPerEvent(at(0, 10_000, 200), at(1000, 60_000, 350), 100), 30);
  // The same CPU at 250 Hz is 0.6 s: 12 µs each.
  assert.equal(cpuMicrosPerEvent(at(0, 10_000, 200), at(1000, 60_000, 350), 250), 12);
});

test('CPU per event is null without readings or without events', () => {
  assert.equal(cpuMicrosPerEvent(at(0, 0, undefined), at(1000, 100, 5), 100), null);
  assert.equal(cpuMicrosPerEvent(at(0, 100, 5), at(1000, 100, 9), 100), null);
});

test('events per second and cores busy over a window', () => {
  assert.equal(eventsPerSecond(at(500, 1000, 0), at(2500, 41_000, 0)), 20_000);
  assert.equal(eventsPerSecond(at(500, 1000, 0), at(500, 2000, 0)), null);
  // 300 ticks over 2 s at 100 Hz: one and a half cores.
  assert.equal(coresBusy(at(0, 0, 100), at(2000, 0, 400), 100), 1.5);
  assert.equal(coresBusy(at(0, 0, undefined), at(2000, 0, 400), 100), null);
});
