import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  describeProfile,
  dueInPhase,
  eventsInPhase,
  formatDuration,
  formatMs,
  formatRate,
  intendedOffsetMs,
  parseDuration,
  parseProfile,
  phaseAt,
  profileDurationMs,
  UsageError,
} from '../../../loadgen/profile.ts';

const usage = (message: string) => (err: unknown) => err instanceof UsageError && err.message === message;

test('parseProfile reads phases, k suffixes, max and compound durations', () => {
  assert.deepEqual(parseProfile('1000@60s,10000@60s,1000@60s').phases, [
    { rate: 1000, durationMs: 60_000 },
    { rate: 10_000, durationMs: 60_000 },
    { rate: 1000, durationMs: 60_000 },
  ]);
  assert.deepEqual(parseProfile(' 5k@500ms , 1.5k@1m30s,max@2m ,0.5@1h').phases, [
    { rate: 5000, durationMs: 500 },
    { rate: 1500, durationMs: 90_000 },
    { rate: 'max', durationMs: 120_000 },
    { rate: 0.5, durationMs: 3_600_000 },
  ]);
});

test('a single bare rate runs until stopped', () => {
  assert.deepEqual(parseProfile('5000').phases, [{ rate: 5000, durationMs: Infinity }]);
  assert.deepEqual(parseProfile('max').phases, [{ rate: 'max', durationMs: Infinity }]);
  assert.deepEqual(parseProfile('20k').phases, [{ rate: 20_000, durationMs: Infinity }]);
});

test('parseProfile names the flag and the bad part', () => {
  const cases: [string, string][] = [
    ['10x@5s', '--profile: "10x@5s": rate must be a positive number or "max"'],
    ['0@5s', '--profile: "0@5s": rate must be a positive number or "max"'],
    ['-5@5s', '--profile: "-5@5s": rate must be a positive number or "max"'],
    ['1000@60s,5k@5x', '--profile: "5k@5x": expected a duration such as 60s, 500ms, 2m or 1m30s'],
    ['1000@0s', '--profile: "1000@0s": duration must be more than 0'],
    ['1000@60s,5000', '--profile: "5000": only a profile of one phase may leave out the duration'],
    ['1000@60s@2s', '--profile: "1000@60s@2s": expected RATE@DURATION, e.g. 1000@60s'],
    ['1000@60s,,5@1s', '--profile: "1000@60s,,5@1s": empty phase between commas'],
    ['', '--profile: empty; expected phases such as 1000@60s,10000@60s,1000@60s'],
  ];
  for (const [spec, message] of cases) assert.throws(() => parseProfile(spec), usage(message), spec);
  assert.throws(() => parseProfile('fast', '--burst'), usage('--burst: "fast": rate must be a positive number or "max"'));
});

test('parseDuration reads units in falling order and rejects the rest', () => {
  const good: [string, number][] = [
    ['60s', 60_000],
    ['500ms', 500],
    ['2m', 120_000],
    ['1m30s', 90_000],
    ['1.5s', 1500],
    ['1h2m3s4ms', 3_723_004],
    ['0s', 0],
    ['0', 0],
  ];
  for (const [text, ms] of good) assert.equal(parseDuration(text, '--warmup'), ms, text);
  for (const bad of ['10', '', 's', '1m1m', '30s1m', '-5s', '5 s', '5sec', '1.s']) {
    assert.throws(() => parseDuration(bad, '--drain-timeout'), usage(`--drain-timeout: "${bad}": expected a duration such as 60s, 500ms, 2m or 1m30s`), bad);
  }
});

test('profileDurationMs and phaseAt place each phase in the run', () => {
  const profile = parseProfile('1000@60s,10k@30s,1000@10s');
  assert.equal(profileDurationMs(profile), 100_000);
  assert.deepEqual(phaseAt(profile, 0), { index: 0, startMs: 0, endMs: 60_000, rate: 1000 });
  assert.equal(phaseAt(profile, -5)?.index, 0);
  assert.equal(phaseAt(profile, 59_999.9)?.index, 0);
  assert.deepEqual(phaseAt(profile, 60_000), { index: 1, startMs: 60_000, endMs: 90_000, rate: 10_000 });
  assert.equal(phaseAt(profile, 99_999)?.index, 2);
  assert.equal(phaseAt(profile, 100_000), undefined);
  const forever = parseProfile('max');
  assert.equal(profileDurationMs(forever), Infinity);
  assert.equal(phaseAt(forever, 1e12)?.rate, 'max');
});

test('dueInPhase: one event at the phase start, then one per 1000/rate ms, capped at the phase end', () => {
  assert.equal(dueInPhase(1000, -1), 0);
  assert.equal(dueInPhase(1000, 0), 1);
  assert.equal(dueInPhase(1000, 0.999), 1);
  assert.equal(dueInPhase(1000, 1), 2);
  assert.equal(dueInPhase(1000, 999.5), 1000);
  assert.equal(dueInPhase(1000, 1000), 1001);
  assert.equal(dueInPhase(1000, 1e9, 60_000), 60_000);
  assert.equal(dueInPhase(1000, Infinity, 60_000), 60_000);
  assert.equal(dueInPhase(0.5, 1999), 1);
  assert.equal(dueInPhase(0.5, 2000), 2);
  assert.equal(eventsInPhase(1000, 60_000), 60_000);
  assert.equal(eventsInPhase(3, 1000), 3);
  assert.equal(eventsInPhase(0.5, 3000), 2);
  assert.equal(eventsInPhase(7, Infinity), Infinity);
  assert.equal(intendedOffsetMs(1000, 0), 0);
  assert.equal(intendedOffsetMs(4, 3), 750);
});

test('dueInPhase agrees exactly with intendedOffsetMs, at and around every boundary', () => {
  for (const rate of [3, 7, 333.3, 1000, 12_345]) {
    for (let i = 0; i < 2000; i++) {
      const at = intendedOffsetMs(rate, i);
      // Exactly at its intended time the i-th event (index i) is due: i + 1 events.
      assert.equal(dueInPhase(rate, at), i + 1, `rate ${rate} index ${i}`);
      const before = at - Math.max(1e-9, at * 1e-12);
      if (i > 0) assert.equal(dueInPhase(rate, before), i, `rate ${rate} just before index ${i}`);
    }
    const durationMs = 1234;
    let count = 0;
    while (intendedOffsetMs(rate, count) < durationMs) count++;
    assert.equal(eventsInPhase(rate, durationMs), count, `rate ${rate}`);
  }
});

test('describeProfile and the formatters read naturally', () => {
  assert.equal(describeProfile(parseProfile('1000@60s,10000@60s,1000@60s')), '1,000/s for 60 s, then 10,000/s for 60 s, then 1,000/s for 60 s');
  assert.equal(describeProfile(parseProfile('max@500ms,2.5k@2m30s')), 'max rate for 500 ms, then 2,500/s for 2 min 30 s');
  assert.equal(describeProfile(parseProfile('5000')), '5,000/s until stopped');
  assert.equal(formatRate(0.5), '0.5/s');
  assert.equal(formatDuration(1500), '1.5 s');
  assert.equal(formatDuration(600_000), '10 min');
  assert.equal(formatMs(18.43), '18.4 ms');
  assert.equal(formatMs(1234.56), '1,234.6 ms');
  assert.equal(formatMs(0), '0.0 ms');
});
