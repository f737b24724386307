#!/usr/bin/env -S node --max-semi-space-size=16 --disable-warning=TimeoutNegativeWarning
// The V8 flag caps the young generation (3 x semi-space). Left to its default on a large machine it
// grows by well over 100 MiB under load with only a few thousand live events, which would make resident
// memory track the host rather than the in-flight budget. test/support/scorer-process.ts reads the flags
// from this line, so tests run the scorer exactly as the launcher does. kafkajs sets timers from stale
// deadlines, which Node 24 reports as TimeoutNegativeWarning on every run; it is harmless.
import '../src/main.ts';
