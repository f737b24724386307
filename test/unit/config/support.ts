/** Helpers shared by the configuration tests. */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { TestContext } from 'node:test';
import type { Violation } from '../../../src/config/violations.ts';
import { isScorerError } from '../../../src/errors.ts';

/** The smallest valid configuration that needs no schema registry. */
export const minimal = () => ({
  models: { serve: [{ name: 'fraud' }] },
  inputs: [{ topic: 'payments', format: 'json', model: 'fraud' }],
  output: { topic: 'predictions', format: 'json' },
});

/** A fresh directory, removed after the test. */
export function tempDir(t: TestContext): string {
  const dir = mkdtempSync(join(tmpdir(), 'scorer-config-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** Writes `text` to `name` under `dir` (creating folders) and returns the file's path. */
export function writeFile(dir: string, name: string, text: string): string {
  const file = join(dir, name);
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, text);
  return file;
}

/** Runs `load`, which must fail with SCORER_ERR_CONFIG, and returns the violations it reported. */
export function violationsOf(load: () => unknown): Violation[] {
  try {
    load();
  } catch (err) {
    assert.ok(isScorerError(err, 'SCORER_ERR_CONFIG'), `expected SCORER_ERR_CONFIG, got ${String(err)}`);
    return err.details['violations'] as Violation[];
  }
  assert.fail('expected the configuration to be rejected');
}

/** The violation at `path`; fails when there is none. */
export function violationAt(violations: readonly Violation[], path: string): string {
  const found = violations.find((v) => v.path === path);
  assert.ok(found, `no violation at ${path}; got ${JSON.stringify(violations)}`);
  return found.message;
}
