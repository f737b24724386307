#!/usr/bin/env -S node --max-semi-space-size=16 --max-old-space-size=256 --disable-warning=TimeoutNegativeWarning
// The V8 flags size the heap to the in-flight budget rather than the host. Left to their defaults on a
// large machine, the young generation (3 x semi-space) grows by well over 100 MiB under load with only a
// few thousand live events, and the old generation is grown far ahead of use: draining a 300,000-event
// backlog at the default budgets, heap used stayed under 40 MiB while heap reserved reached 150 MiB and
// resident memory 360-400 MiB. With old space capped at 256 MiB V8 sizes its growth steps to that
// limit: the same drain peaked at 273 MiB resident, with no measurable loss of throughput. Raising
// the budgets far above their defaults may need a larger cap (node --max-old-space-size=N
// bin/stream-scorer.js ...). devtools/scorer-process.ts reads the flags
// from this line, so tests run the scorer exactly as the launcher does. kafkajs sets timers from stale
// deadlines, which Node 24 reports as TimeoutNegativeWarning on every run; it is harmless.
import { requireNode } from './node-version.js';

requireNode('stream-scorer');
// onnxruntime-node 1.2x writes mat-debug-<pid>.log into the temp directory and ~/.cache/Microsoft on every process unless
// telemetry is off: litter on a host, and a failure on a read-only root filesystem. The workers inherit it.
process.env.ORT_DISABLE_TELEMETRY ??= '1';
await import('../src/main.ts');
