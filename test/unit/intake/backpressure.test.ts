import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isScorerError } from '../../../src/errors.ts';
import { BackpressureController, type BackpressureOptions, type PartitionLoad } from '../../../src/intake/backpressure.ts';
import { FakeClock } from '../../support/fake-clock.ts';

const OPTIONS: BackpressureOptions = {
  globalBudget: 1000,
  partitionBudget: 100,
  resumeRatio: 0.5,
  minPauseMs: 250,
};

function setup(overrides: Partial<BackpressureOptions> = {}) {
  const clock = new FakeClock();
  const controller = new BackpressureController({ ...OPTIONS, ...overrides }, clock);
  /** Evaluates with per-partition loads (uncommitted offsets). */
  const evaluate = (loads: Record<string, number>, globalUsed?: number, producerSaturated = false) => {
    const partitions: PartitionLoad[] = Object.entries(loads).map(([key, used]) => ({ key, used }));
    const total = globalUsed ?? partitions.reduce((sum, p) => sum + p.used, 0);
    return controller.evaluate({ partitions, globalUsed: total, producerSaturated });
  };
  return { clock, controller, evaluate };
}

describe('BackpressureController pausing', () => {
  it('leaves partitions under every budget alone', () => {
    const { controller, evaluate } = setup();
    assert.deepEqual(evaluate({ a: 99, b: 0 }), { pause: [], resume: [] });
    assert.equal(controller.pausedCount, 0);
  });

  it('pauses a partition at its budget, and reports each change once', () => {
    const { controller, evaluate } = setup();
    assert.deepEqual(evaluate({ a: 100, b: 10 }), { pause: ['a'], resume: [] });
    assert.deepEqual(evaluate({ a: 150, b: 10 }), { pause: [], resume: [] });
    assert.deepEqual([controller.isPaused('a'), controller.isPaused('b'), controller.pausedCount], [true, false, 1]);
    assert.equal(controller.pauseReason('a'), 'partition-budget');
  });

  it('pauses every partition when intake as a whole is at the global budget', () => {
    const { controller, evaluate } = setup();
    assert.deepEqual(evaluate({ a: 1, b: 2, c: 3 }, 1000), { pause: ['a', 'b', 'c'], resume: [] });
    assert.equal(controller.pauseReason('b'), 'global-budget');
  });

  it('pauses every partition while the producer is saturated', () => {
    const { controller, evaluate } = setup();
    assert.deepEqual(evaluate({ a: 0, b: 0 }, 0, true), { pause: ['a', 'b'], resume: [] });
    assert.equal(controller.pauseReason('a'), 'producer-saturated');
  });

  it('leaves keys that are not in the snapshot as they are', () => {
    const { clock, controller, evaluate } = setup();
    evaluate({ a: 100 });
    clock.advance(1000);
    assert.deepEqual(evaluate({ b: 0 }), { pause: [], resume: [] });
    assert.equal(controller.isPaused('a'), true);
  });
});

describe('BackpressureController resuming', () => {
  it('resumes only at or below the low-water mark (hysteresis)', () => {
    const { clock, controller, evaluate } = setup();
    evaluate({ a: 100 });
    clock.advance(1000);
    assert.deepEqual(evaluate({ a: 99 }), { pause: [], resume: [] });
    assert.deepEqual(evaluate({ a: 51 }), { pause: [], resume: [] });
    assert.deepEqual(evaluate({ a: 50 }), { pause: [], resume: ['a'] });
    assert.deepEqual([controller.isPaused('a'), controller.pausedCount], [false, 0]);
    assert.equal(controller.pauseReason('a'), undefined);
  });

  it('holds a pause for at least minPauseMs', () => {
    const { clock, evaluate } = setup();
    evaluate({ a: 100 });
    clock.advance(249);
    assert.deepEqual(evaluate({ a: 0 }), { pause: [], resume: [] });
    clock.advance(1);
    assert.deepEqual(evaluate({ a: 0 }), { pause: [], resume: ['a'] });
  });

  it('needs the global load back under its low-water mark', () => {
    const { clock, evaluate } = setup();
    evaluate({ a: 100 });
    clock.advance(1000);
    assert.deepEqual(evaluate({ a: 0 }, 501), { pause: [], resume: [] });
    assert.deepEqual(evaluate({ a: 0 }, 500), { pause: [], resume: ['a'] });
  });

  it('needs the producer no longer saturated', () => {
    const { clock, evaluate } = setup();
    evaluate({ a: 0 }, 0, true);
    clock.advance(1000);
    assert.deepEqual(evaluate({ a: 0 }, 0, true), { pause: [], resume: [] });
    assert.deepEqual(evaluate({ a: 0 }, 0, false), { pause: [], resume: ['a'] });
  });

  it('resumes partitions independently once global pressure is gone', () => {
    const { clock, evaluate } = setup();
    evaluate({ a: 10, b: 90 }, 1000);
    clock.advance(300);
    assert.deepEqual(evaluate({ a: 10, b: 90 }), { pause: [], resume: ['a'] });
    assert.deepEqual(evaluate({ a: 10, b: 40 }), { pause: [], resume: ['b'] });
  });

  it('restarts the minimum pause when a partition pauses again', () => {
    const { clock, evaluate } = setup();
    evaluate({ a: 100 });
    clock.advance(300);
    evaluate({ a: 0 });
    clock.advance(10);
    assert.deepEqual(evaluate({ a: 100 }), { pause: ['a'], resume: [] });
    clock.advance(200);
    assert.deepEqual(evaluate({ a: 0 }), { pause: [], resume: [] });
  });
});

describe('BackpressureController bookkeeping', () => {
  it('forget drops a revoked partition; it comes back unpaused', () => {
    const { controller, evaluate } = setup();
    evaluate({ a: 100, b: 100 });
    controller.forget('a');
    controller.forget('never-seen');
    assert.deepEqual([controller.isPaused('a'), controller.isPaused('b'), controller.pausedCount], [false, true, 1]);
    assert.deepEqual(evaluate({ a: 10 }), { pause: [], resume: [] });
  });

  it('reports the share of partition-time spent paused since the last call', () => {
    const { clock, controller, evaluate } = setup();
    assert.equal(controller.pausedTimeRatio(), 0);
    evaluate({ a: 0, b: 100 });
    clock.advance(100); // a running, b paused: 100 of 200 partition-ms
    evaluate({ a: 0, b: 100 });
    clock.advance(300); // 300 of 600 more
    evaluate({ a: 0, b: 0 }); // b resumes
    clock.advance(400); // nothing paused: 0 of 800
    assert.equal(controller.pausedTimeRatio(), 400 / 1600);
    clock.advance(100);
    assert.equal(controller.pausedTimeRatio(), 0);
  });

  it('counts a forgotten partition’s time up to the moment it was forgotten', () => {
    const { clock, controller, evaluate } = setup();
    evaluate({ a: 100, b: 0 });
    clock.advance(100);
    controller.forget('a');
    clock.advance(100); // only b, running
    assert.equal(controller.pausedTimeRatio(), 100 / 300);
  });

  it('counts paused partitions by the reason each was paused for, until it resumes or is forgotten', () => {
    const { clock, controller, evaluate } = setup();
    const byReason = () => Object.fromEntries(controller.pausedByReason);
    const none = { 'partition-budget': 0, 'lane-budget': 0, 'global-budget': 0, 'producer-saturated': 0 };
    assert.deepEqual(byReason(), none);
    evaluate({ a: 100, b: 100, c: 0 });
    assert.deepEqual(byReason(), { ...none, 'partition-budget': 2 });
    evaluate({ a: 100, b: 100, c: 0 }, 1000); // c pauses for the global budget; a and b keep their first reason
    assert.deepEqual(byReason(), { ...none, 'partition-budget': 2, 'global-budget': 1 });
    controller.forget('a');
    clock.advance(1000);
    evaluate({ b: 100, c: 0 }, 100);
    assert.deepEqual(byReason(), { ...none, 'partition-budget': 1 });
    assert.equal(controller.pausedCount, 1);
  });

  it('rejects invalid options', () => {
    const bads = [{ globalBudget: 0 }, { partitionBudget: -1 }, { resumeRatio: 0 }, { resumeRatio: 1.5 }, { minPauseMs: -1 }];
    for (const bad of bads) {
      assert.throws(
        () => setup(bad),
        (err) => isScorerError(err, 'SCORER_ERR_INVARIANT'),
        JSON.stringify(bad),
      );
    }
  });
});

describe('BackpressureController lane budgets', () => {
  it('pauses the partitions of a lane at its budget, and only those, and resumes them once the lane drained', () => {
    const clock = new FakeClock();
    const controller = new BackpressureController({ ...OPTIONS, minPauseMs: 0 }, clock);
    const load = (key: string, used: number, laneUsed: number): PartitionLoad => ({ key, used, lane: { used: laneUsed, budget: 200 } });
    const quiet = (key: string): PartitionLoad => ({ key, used: 1, lane: { used: 2, budget: 200 } });
    const first = controller.evaluate({ partitions: [load('a0', 90, 200), load('a1', 90, 200), quiet('b0')], globalUsed: 202, producerSaturated: false });
    assert.deepEqual(first, { pause: ['a0', 'a1'], resume: [] }, 'both partitions of the full lane, under their own budget, pause; the other lane runs');
    assert.equal(controller.pauseReason('a0'), 'lane-budget');
    const half = controller.evaluate({ partitions: [load('a0', 60, 120), load('a1', 60, 120), quiet('b0')], globalUsed: 122, producerSaturated: false });
    assert.deepEqual(half, { pause: [], resume: [] }, 'above half the lane budget they stay paused');
    const drained = controller.evaluate({ partitions: [load('a0', 40, 100), load('a1', 40, 100), quiet('b0')], globalUsed: 102, producerSaturated: false });
    assert.deepEqual(drained, { pause: [], resume: ['a0', 'a1'] });
  });
});
