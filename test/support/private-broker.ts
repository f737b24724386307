/**
 * A broker of a test's own, which the test may stop and start: scripts/kafka/broker.sh with
 * KAFKA_STATE_DIR in a temporary directory and four free ports. The jars and the test certificates are
 * shared with the main broker, so it resolves nothing; the shared broker other suites use is never
 * touched.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { freePort, REPO_ROOT } from './scorer-process.ts';

const run = promisify(execFile);
const SCRIPT = join(REPO_ROOT, 'scripts', 'kafka', 'broker.sh');

export class PrivateBroker {
  readonly #env: NodeJS.ProcessEnv;
  readonly #dir: string;
  readonly brokers: readonly string[];

  private constructor(dir: string, ports: readonly number[]) {
    this.#dir = dir;
    const [port, controller, saslSsl, ssl] = ports.map(String);
    this.brokers = [`127.0.0.1:${port}`];
    this.#env = {
      ...process.env,
      KAFKA_STATE_DIR: dir,
      KAFKA_PORT: port,
      KAFKA_CONTROLLER_PORT: controller,
      KAFKA_SASL_SSL_PORT: saslSsl,
      KAFKA_SSL_PORT: ssl,
      // Beside the shared broker on a small machine.
      KAFKA_HEAP_OPTS: '-Xms128m -Xmx512m',
    };
  }

  /** Formats its storage and starts it; resolves once it serves metadata. */
  static async start(): Promise<PrivateBroker> {
    const ports = new Set<number>();
    while (ports.size < 4) ports.add(await freePort());
    const broker = new PrivateBroker(mkdtempSync(join(tmpdir(), 'scorer-private-broker-')), [...ports]);
    // A broker that never came up has no test to clean up after it.
    await broker.up().catch(async (error: unknown) => {
      await broker.destroy();
      throw error;
    });
    return broker;
  }

  /** Starts it again (topics and offsets kept); resolves once it serves metadata, as broker.sh start does. */
  async up(): Promise<void> {
    await this.#script('start');
  }

  /** A controlled shutdown (SIGTERM), as an orchestrator stops a broker. */
  async down(): Promise<void> {
    await this.#script('stop');
  }

  async destroy(): Promise<void> {
    await this.down().catch(() => undefined);
    rmSync(this.#dir, { recursive: true, force: true });
  }

  async #script(command: string): Promise<void> {
    await run('bash', [SCRIPT, command], { env: this.#env, cwd: REPO_ROOT });
  }
}
