/**
 * A Redis of a test's own (and the benchmark's): Debian's redis-server (found on PATH) on a free port,
 * in a temporary directory, with persistence off, so a kill loses every key as a crashed cache would,
 * unless the test took a snapshot() first (an explicit SAVE, which the restart loads). kill() is a
 * SIGKILL; up() again serves on the same port, so clients reconnect to the address they know.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createClient } from 'redis';
import { freePort } from './scorer-process.ts';

function newClient(url: string) {
  return createClient({ url });
}

export type TestRedisClient = ReturnType<typeof newClient>;

const READY_MS = 10_000;

function answersPing(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port }, () => socket.write('PING\r\n'));
    socket.setTimeout(500, () => socket.destroy());
    socket.once('data', (data) => {
      socket.destroy();
      resolve(data.toString().startsWith('+PONG'));
    });
    socket.once('close', () => resolve(false));
    socket.once('error', () => resolve(false));
  });
}

export class TestRedis {
  readonly port: number;
  readonly url: string;
  readonly #dir: string;
  #process: ChildProcess | undefined;

  private constructor(port: number, dir: string) {
    this.port = port;
    this.url = `redis://127.0.0.1:${port}`;
    this.#dir = dir;
  }

  static async start(): Promise<TestRedis> {
    const redis = new TestRedis(await freePort(), mkdtempSync(join(tmpdir(), 'scorer-redis-')));
    await redis.up();
    return redis;
  }

  /** Starts the server (again) on its port; resolves once it answers PING. */
  async up(): Promise<void> {
    if (this.#process !== undefined) throw new Error('redis-server is running already');
    const args = ['--port', String(this.port), '--bind', '127.0.0.1', '--dir', this.#dir, '--save', '', '--appendonly', 'no', '--daemonize', 'no'];
    const child = spawn('redis-server', args, { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr?.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    const spawned = new Promise<void>((resolve, reject) => {
      child.once('spawn', resolve);
      child.once('error', (error) => reject(new Error(`redis-server did not start (is Debian's redis-server installed?): ${error.message}`)));
    });
    await spawned;
    this.#process = child;
    const deadline = Date.now() + READY_MS;
    while (!(await answersPing(this.port))) {
      if (child.exitCode !== null) throw new Error(`redis-server exited with ${child.exitCode}: ${stderr}`);
      if (Date.now() > deadline) throw new Error(`redis-server on port ${this.port} did not answer PING within ${READY_MS} ms: ${stderr}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  /** SIGKILL: every key is gone, since nothing persists. Resolves once the process has exited. */
  async kill(): Promise<void> {
    const child = this.#process;
    if (child === undefined) return;
    this.#process = undefined;
    if (child.exitCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill('SIGKILL');
    await exited;
  }

  /** Writes the keys to the directory's dump.rdb now, so that up() after kill() serves them again. */
  async snapshot(): Promise<void> {
    const client = await this.client();
    try {
      await client.sendCommand(['SAVE']);
    } finally {
      client.destroy();
    }
  }

  /** SIGSTOP: the server holds its connections and answers nothing, as a Redis stuck in a long command does. */
  freeze(): void {
    this.#process?.kill('SIGSTOP');
  }

  /** SIGCONT after freeze(). */
  thaw(): void {
    this.#process?.kill('SIGCONT');
  }

  /** A connected client of the test's own, for writing keys. */
  async client(): Promise<TestRedisClient> {
    const client = newClient(this.url);
    client.on('error', () => undefined);
    await client.connect();
    return client;
  }

  async destroy(): Promise<void> {
    await this.kill();
    rmSync(this.#dir, { recursive: true, force: true });
  }
}
