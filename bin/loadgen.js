#!/usr/bin/env -S node --disable-warning=TimeoutNegativeWarning
// The load generator's launcher: says what to do on a Node.js too old for the TypeScript sources.
import { requireNode } from './node-version.js';

requireNode('loadgen');
await import('../loadgen/main.ts');
