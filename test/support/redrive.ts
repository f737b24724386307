/**
 * Runs `stream-scorer redrive` as an operator would: the real launcher, a config file, the flags; gives
 * back the exit code, the summary (stdout) and the progress and logs (stderr).
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { launcherFlags, REPO_ROOT } from './scorer-process.ts';

export interface RedriveRun {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

export async function runRedrive(config: Record<string, unknown>, flags: readonly string[]): Promise<RedriveRun> {
  const file = join(mkdtempSync(join(tmpdir(), 'redrive-test-')), 'scorer.json');
  writeFileSync(file, JSON.stringify(config, null, 2));
  const bin = join(REPO_ROOT, 'bin', 'stream-scorer.js');
  const child = spawn(process.execPath, [...launcherFlags(), bin, 'redrive', '--config', file, ...flags], {
    cwd: REPO_ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  // 'close', not 'exit': the output streams have ended by then, so the summary is whole.
  const code = await new Promise<number | null>((resolve) => child.once('close', (exitCode) => resolve(exitCode)));
  return { code, stdout, stderr };
}
