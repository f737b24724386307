/**
 * The schema registry double in a process of its own, for the scale-out stage. The suite's own double
 * shares the suite's event loop with the load generator; on a busy machine a starting replica's probe
 * of it timed out (5 s, three times) behind the producer and the collector, and the joiner's time to
 * its first prediction measured the harness, not the scorer. A deployed registry is a service of its
 * own too.
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { exitOf, freePort, keepLogs, REPO_ROOT, stopChild } from '../devtools/scorer-process.ts';
import { waitForLine } from './subject.ts';

const SCRIPT = join(REPO_ROOT, 'devtools', 'schema-registry-double.ts');
const READY_TIMEOUT_MS = 30_000;
const STOP_TIMEOUT_MS = 5000;

export interface RegistryProcess {
  readonly url: string;
  /** SIGTERM, then SIGKILL; never rejects. */
  stop(): Promise<void>;
}

export async function startRegistryProcess(): Promise<RegistryProcess> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const child = spawn(process.execPath, [SCRIPT, '--port', String(port)], { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  const logs = keepLogs(child);
  const exited = exitOf(child);
  // The double's one line once it listens (devtools/schema-registry-double.ts).
  const ready = await waitForLine(child.stdout, `schema registry test double listening on ${url}`, exited, READY_TIMEOUT_MS);
  if (ready !== 'ready') {
    child.kill('SIGKILL');
    await exited;
    throw new Error(`the schema registry double did not start (${ready}); logs:\n${logs().slice(-2000)}`);
  }
  return {
    url,
    stop: async () => {
      try {
        await stopChild(child, exited, 'SIGTERM', STOP_TIMEOUT_MS);
      } catch {
        child.kill('SIGKILL');
        await exited;
      }
    },
  };
}
