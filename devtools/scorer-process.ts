/**
 * Runs the real scorer CLI as a child process, as an operator would, so tests and the benchmark can
 * kill -9 it, send it SIGTERM and measure its resident memory. Its config is written to a temp file; its
 * logs are kept for the failure message.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = fileURLToPath(new URL('../', import.meta.url));
const BIN = join(REPO_ROOT, 'bin', 'stream-scorer.js');

/** How much of a child's combined stdout and stderr is kept for error messages. */
const KEPT_LOG_CHARS = 200_000;

/**
 * The node flags of the launcher's `#!/usr/bin/env -S node <flags>` line, so every process started from
 * here (the scorer, and the benchmark's baselines) runs with the same V8 settings as production.
 */
export function launcherFlags(): string[] {
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

export interface ExitStatus {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
}

/** Keeps the tail of a child's stdout and stderr, interleaved as they arrive. */
export function keepLogs(child: ChildProcess): () => string {
  let output = '';
  const keep = (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-KEPT_LOG_CHARS);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  return () => output;
}

export function exitOf(child: ChildProcess): Promise<ExitStatus> {
  return new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
}

export interface ScorerHandle {
  readonly child: ChildProcess;
  readonly port: number;
  readonly exited: Promise<ExitStatus>;
  logs(): string;
  waitReady(timeoutMs?: number): Promise<void>;
  /** Resident set size of the scorer process (all its threads), in MiB; 0 once it has exited. */
  rssMiB(): number;
  metrics(): Promise<string>;
}

export async function startScorer(config: Record<string, unknown>): Promise<ScorerHandle> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'scorer-test-'));
  const file = join(dir, 'scorer.json');
  writeFileSync(file, JSON.stringify({ ...config, http: { port, host: '127.0.0.1' } }, null, 2));
  const child = spawn(process.execPath, [...launcherFlags(), BIN, 'run', '--config', file], { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  const logs = keepLogs(child);
  const exited = exitOf(child);
  const handle: ScorerHandle = {
    child,
    port,
    exited,
    logs,
    waitReady: (timeoutMs = 60_000) => waitReady(handle, timeoutMs),
    rssMiB: () => (child.pid === undefined ? undefined : readRssMiB(child.pid)) ?? 0,
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

/**
 * Resident set size of a process (all its threads) in MiB, from /proc (Linux only); undefined once the
 * process is gone, including the moment it is a zombie waiting to be reaped (no VmRSS line then).
 */
export function readRssMiB(pid: number): number | undefined {
  let status: string;
  try {
    status = readFileSync(`/proc/${pid}/status`, 'utf8');
  } catch {
    return undefined;
  }
  const match = /VmRSS:\s+(\d+)\s+kB/.exec(status);
  return match ? Number(match[1]) / 1024 : undefined;
}

/** Sends a signal and waits for the exit, failing after timeoutMs. */
export async function stopScorer(handle: ScorerHandle, signal: NodeJS.Signals, timeoutMs: number): Promise<ExitStatus> {
  return stopChild(handle.child, handle.exited, signal, timeoutMs);
}

/** Sends a signal to a child (unless it already exited) and waits for the exit, failing after timeoutMs. */
export async function stopChild(child: ChildProcess, exited: Promise<ExitStatus>, signal: NodeJS.Signals, timeoutMs: number): Promise<ExitStatus> {
  if (child.exitCode !== null || child.signalCode !== null) return exited;
  child.kill(signal);
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`process ${child.pid} did not exit within ${timeoutMs} ms of ${signal}`)), timeoutMs);
    timer.unref();
  });
  try {
    return await Promise.race([exited, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
