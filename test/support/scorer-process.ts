/**
 * Runs the real scorer CLI as a child process, as an operator would, so tests can kill -9 it, send it
 * SIGTERM and measure its resident memory. Its config is written to a temp file; its logs are kept for
 * the failure message.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));
const BIN = join(REPO_ROOT, 'bin', 'stream-scorer.js');

/** The node flags of the launcher's `#!/usr/bin/env -S node <flags>` line. */
function launcherFlags(): string[] {
  const shebang = readFileSync(BIN, 'utf8').split('\n', 1)[0] ?? '';
  return shebang.split(/\s+/).filter((word) => word.startsWith('--'));
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

export interface ScorerHandle {
  readonly child: ChildProcess;
  readonly port: number;
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  logs(): string;
  waitReady(timeoutMs?: number): Promise<void>;
  /** Resident set size of the scorer process (all its threads), in MiB. */
  rssMiB(): number;
  metrics(): Promise<string>;
}

export async function startScorer(config: Record<string, unknown>): Promise<ScorerHandle> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'scorer-test-'));
  const file = join(dir, 'scorer.json');
  writeFileSync(file, JSON.stringify({ ...config, http: { port, host: '127.0.0.1' } }, null, 2));
  const child = spawn(process.execPath, [...launcherFlags(), BIN, 'run', '--config', file], { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const keep = (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-200_000);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  const handle: ScorerHandle = {
    child,
    port,
    exited,
    logs: () => output,
    waitReady: (timeoutMs = 60_000) => waitReady(handle, timeoutMs),
    rssMiB: () => readRssMiB(child.pid),
    metrics: async () => (await fetch(`http://127.0.0.1:${port}/metrics`)).text(),
  };
  return handle;
}

async function waitReady(handle: ScorerHandle, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let exited = false;
  void handle.exited.then(() => (exited = true));
  while (Date.now() < deadline && !exited) {
    try {
      const res = await fetch(`http://127.0.0.1:${handle.port}/readyz`);
      if (res.status === 200) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`scorer not ready after ${timeoutMs} ms (exited: ${exited}); logs:\n${handle.logs().slice(-5000)}`);
}

function readRssMiB(pid: number | undefined): number {
  if (pid === undefined) return 0;
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const match = /VmRSS:\s+(\d+)\s+kB/.exec(status);
  return match ? Number(match[1]) / 1024 : 0;
}

/** Sends a signal and waits for the exit, failing after timeoutMs. */
export async function stopScorer(handle: ScorerHandle, signal: NodeJS.Signals, timeoutMs: number) {
  if (handle.child.exitCode !== null || handle.child.signalCode !== null) return handle.exited;
  handle.child.kill(signal);
  const timeout = new Promise<never>((_, reject) =>
    setTimeout(() => reject(new Error(`scorer did not exit within ${timeoutMs} ms of ${signal}`)), timeoutMs).unref(),
  );
  return Promise.race([handle.exited, timeout]);
}
