import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { CpuSample } from '../../../bench/cpu.ts';
import { steadyWindow, trialWindow, windowFigures } from '../../../bench/windows.ts';

/** A drain sampled every 100 ms: slow for the first second, 10,000 events per sample after. */
function drain(total: number): CpuSample[] {
  const samples: CpuSample[] = [];
  let events = 0;
  for (let i = 0; events < total; i++) {
    samples.push({ tMs: i * 100, events, cpuTicks: i * 2 });
    events = Math.min(total, events + (i < 10 ? 1000 : 10_000));
  }
  samples.push({ tMs: samples.length * 100, events, cpuTicks: samples.length * 2 });
  return samples;
}

test('the steady window skips the first and last 10% of the predictions by count', () => {
  const samples = drain(400_000);
  const w = steadyWindow(samples, 400_000);
  assert.ok(w);
  assert.ok(w.from.events >= 40_000 && w.from.events < 50_000, `starts at ${w.from.events}`);
  assert.ok(w.to.events >= 360_000 && w.to.events < 370_000, `ends at ${w.to.events}`);
  // The slow first second is outside it: the rate is the steady 10,000 per 100 ms.
  assert.equal(windowFigures(w, 100).eventsPerSec, 100_000);
});

test('the skip share is adjustable', () => {
  const w = steadyWindow(drain(400_000), 400_000, 0.25);
  assert.ok(w);
  assert.ok(w.from.events >= 100_000 && w.to.events >= 300_000 && w.to.events < 310_000);
});

test('no steady window for a drain that did not get past 90%, or for one sample', () => {
  const samples = drain(400_000).filter((s) => s.events < 300_000);
  assert.equal(steadyWindow(samples, 400_000), null);
  assert.equal(steadyWindow([{ tMs: 0, events: 100, cpuTicks: 0 }], 100), null);
  assert.equal(steadyWindow(drain(1000), 0), null);
});

test('the trial window runs from the warmup to the tick that closes the last second', () => {
  // Ticks a little after each whole second, as the load generator's are.
  const samples: CpuSample[] = Array.from({ length: 14 }, (_, i) => ({ tMs: (i + 1) * 1000 + 3, events: (i + 1) * 5000, cpuTicks: (i + 1) * 10 }));
  const w = trialWindow(samples, 2000, 10_000);
  assert.ok(w);
  assert.equal(w.from.tMs, 2003);
  assert.equal(w.to.tMs, 10_003);
  const f = windowFigures(w, 100);
  assert.equal(f.events, 40_000);
  assert.equal(f.seconds, 8);
  assert.equal(f.eventsPerSec, 5000);
  // 80 ticks = 0.8 s of CPU over 40,000 events.
  assert.equal(f.cpuUsPerEvent, 20);
  assert.equal(f.cores, 0.1);
  assert.equal(trialWindow(samples.slice(0, 1), 0, 10_000), null);
});
