import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { RoundRobinLanes } from '../../../src/batching/lanes.ts';

function takeAll<T>(lanes: RoundRobinLanes<T>, n: number): T[] {
  const out: T[] = [];
  lanes.take(n, out);
  return out;
}

describe('RoundRobinLanes', () => {
  it('takes one row per lane in turn, lanes in the order they filled', () => {
    const lanes = new RoundRobinLanes<string>();
    for (const row of ['a1', 'a2', 'a3', 'a4']) lanes.push('a', 0, row);
    for (const row of ['b1', 'b2']) lanes.push('b', 0, row);
    lanes.push('c', 0, 'c1');
    assert.deepEqual(takeAll(lanes, 100), ['a1', 'b1', 'c1', 'a2', 'b2', 'a3', 'a4']);
    assert.equal(lanes.size, 0);
  });

  it('continues the rotation where the previous take stopped', () => {
    const lanes = new RoundRobinLanes<string>();
    for (const lane of ['a', 'b', 'c']) for (let i = 1; i <= 3; i++) lanes.push(lane, 0, `${lane}${i}`);
    assert.deepEqual(takeAll(lanes, 2), ['a1', 'b1']);
    assert.deepEqual(takeAll(lanes, 2), ['c1', 'a2']);
    assert.deepEqual(takeAll(lanes, 4), ['b2', 'c2', 'a3', 'b3']);
    assert.deepEqual(takeAll(lanes, 4), ['c3']);
    assert.deepEqual(takeAll(lanes, 4), []);
  });

  it('puts a lane that refills at the end of the current round', () => {
    const lanes = new RoundRobinLanes<string>();
    lanes.push('a', 0, 'a1');
    lanes.push('b', 0, 'b1');
    lanes.push('b', 0, 'b2');
    assert.deepEqual(takeAll(lanes, 1), ['a1']); // lane a empties and leaves the rotation
    lanes.push('c', 0, 'c1');
    lanes.push('a', 0, 'a2');
    assert.deepEqual(takeAll(lanes, 10), ['b1', 'c1', 'a2', 'b2']);
  });

  it('reports the oldest enqueue time, of what is queued and of what a take removed', () => {
    const lanes = new RoundRobinLanes<string>();
    assert.equal(lanes.oldest(), Infinity);
    lanes.push('a', 5, 'a1');
    lanes.push('b', 3, 'b1'); // clocks may tie or interleave across lanes; the minimum is what counts
    lanes.push('a', 9, 'a2');
    lanes.push('b', 10, 'b2');
    assert.equal(lanes.oldest(), 3);
    const out: string[] = [];
    assert.equal(lanes.take(1, out), 5);
    assert.equal(lanes.oldest(), 3);
    assert.equal(lanes.take(2, out), 3);
    assert.equal(lanes.oldest(), 10);
    assert.equal(lanes.take(5, out), 10);
    assert.equal(lanes.oldest(), Infinity);
    assert.deepEqual(out, ['a1', 'b1', 'a2', 'b2']);
  });
});
