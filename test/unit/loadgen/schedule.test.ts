import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { OpenLoopSchedule, type ScheduledRun } from '../../../loadgen/schedule.ts';
import type { LoadProfile } from '../../../loadgen/types.ts';

const STEP: LoadProfile = {
  phases: [
    { rate: 300, durationMs: 2000 },
    { rate: 1500, durationMs: 2000 },
  ],
};

/** Takes everything available in runs of at most `max`. */
function takeAll(schedule: OpenLoopSchedule, max: number, elapsedMs: number): ScheduledRun[] {
  const runs: ScheduledRun[] = [];
  for (let run = schedule.take(max, elapsedMs); run !== undefined; run = schedule.take(max, elapsedMs)) runs.push(run);
  return runs;
}

describe('OpenLoopSchedule', () => {
  it('schedules a rate phase by elapsed time, the first event at the phase start', () => {
    const schedule = new OpenLoopSchedule(STEP);
    schedule.advance(0);
    assert.equal(schedule.scheduled, 1);
    schedule.advance(999);
    assert.equal(schedule.scheduled, 300, 'events 0..299 are due by 999 ms at 300/s (event 299 at 996.7 ms)');
    schedule.advance(1000);
    assert.equal(schedule.scheduled, 301);
    assert.equal(schedule.phaseAt(1000), 0);
    assert.equal(schedule.ended, false);
  });

  it('calls for exactly rate x duration events per phase and then ends at the profile end', () => {
    const schedule = new OpenLoopSchedule(STEP);
    schedule.advance(2500);
    assert.equal(schedule.scheduled, 600 + 751, 'phase 1 complete, phase 2 at 500 ms: floor(1500 x 0.5) + 1');
    assert.deepEqual(schedule.scheduledPerPhase(), [600, 751]);
    schedule.advance(10_000);
    assert.equal(schedule.scheduled, 3600);
    assert.equal(schedule.ended, true);
    assert.equal(schedule.endedAtMs, 4000);
    assert.equal(schedule.phaseAt(3000), 2, 'after the end every time is past the last phase');
  });

  it('hands out the backlog in order, one phase per run, in runs of at most max', () => {
    const schedule = new OpenLoopSchedule(STEP);
    schedule.advance(2001);
    const runs = takeAll(schedule, 250, 2001);
    assert.deepEqual(
      runs.map((r) => [r.phase, r.first, r.count, r.rate, r.phaseStartMs]),
      [
        [0, 0, 250, 300, 0],
        [0, 250, 250, 300, 0],
        [0, 500, 100, 300, 0],
        [1, 0, 2, 1500, 2000],
      ],
    );
    assert.equal(schedule.backlog, 0);
    assert.equal(schedule.taken, 602);
    assert.equal(schedule.finished, false);
  });

  it('keeps events due while the producer is behind, with their place in the phase', () => {
    const schedule = new OpenLoopSchedule({ phases: [{ rate: 1000, durationMs: 1000 }] });
    schedule.advance(10);
    assert.equal(schedule.take(5, 10)?.count, 5);
    schedule.advance(500);
    assert.equal(schedule.backlog, 501 - 5);
    const next = schedule.take(1000, 500);
    assert.deepEqual([next?.first, next?.count], [5, 496]);
    schedule.advance(5000);
    const last = takeAll(schedule, 1000, 5000);
    assert.deepEqual(
      last.map((r) => [r.first, r.count]),
      [[501, 499]],
    );
    assert.equal(schedule.finished, true);
  });

  it('schedules a max phase only as it is taken, stamped by the caller, up to the count', () => {
    const schedule = new OpenLoopSchedule({ phases: [{ rate: 'max', durationMs: Infinity }] }, 2500);
    schedule.advance(1000);
    assert.equal(schedule.scheduled, 0);
    const runs = takeAll(schedule, 1000, 5);
    assert.deepEqual(
      runs.map((r) => [r.rate, r.first, r.count]),
      [
        ['max', 0, 1000],
        ['max', 1000, 1000],
        ['max', 2000, 500],
      ],
    );
    assert.equal(schedule.finished, true);
    assert.equal(schedule.endedAtMs, 5);
  });

  it('sends a rate phase backlog before the max phase that follows it', () => {
    const schedule = new OpenLoopSchedule({
      phases: [
        { rate: 100, durationMs: 1000 },
        { rate: 'max', durationMs: 1000 },
      ],
    });
    schedule.advance(1500);
    assert.equal(schedule.scheduled, 100);
    const runs = [schedule.take(80, 1500), schedule.take(80, 1500), schedule.take(80, 1500)];
    assert.deepEqual(
      runs.map((r) => [r?.phase, r?.first, r?.count]),
      [
        [0, 0, 80],
        [0, 80, 20],
        [1, 0, 80],
      ],
    );
    assert.equal(schedule.take(10, 2000), undefined, 'nothing once the max phase is over');
    schedule.advance(2000);
    assert.equal(schedule.finished, true);
    assert.equal(schedule.endedAtMs, 2000);
  });

  it('stops at the count mid-phase, ending at the last event intended time', () => {
    const schedule = new OpenLoopSchedule(STEP, 700);
    schedule.advance(3000);
    assert.equal(schedule.scheduled, 700);
    assert.deepEqual(schedule.scheduledPerPhase(), [600, 100]);
    assert.equal(schedule.ended, true);
    assert.ok(Math.abs((schedule.endedAtMs ?? 0) - (2000 + (99 * 1000) / 1500)) < 1e-9);
  });

  it('drops the backlog when stopped, and schedules nothing after', () => {
    const schedule = new OpenLoopSchedule(STEP);
    schedule.advance(1000);
    schedule.take(100, 1000);
    schedule.stop(1000);
    assert.deepEqual([schedule.scheduled, schedule.taken, schedule.backlog, schedule.finished], [100, 100, 0, true]);
    assert.deepEqual(schedule.scheduledPerPhase(), [100, 0]);
    schedule.advance(3000);
    assert.equal(schedule.scheduled, 100);
    assert.equal(schedule.take(10, 3000), undefined);
    assert.equal(schedule.endedAtMs, 1000);
  });

  it('is finished at once with a count of 0', () => {
    const schedule = new OpenLoopSchedule(STEP, 0);
    schedule.advance(100);
    assert.equal(schedule.finished, true);
    assert.equal(schedule.scheduled, 0);
  });
});
