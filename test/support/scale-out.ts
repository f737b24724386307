/**
 * One scale-out scenario: fresh topics of PARTITIONS partitions, a consumer group of real scorer
 * processes (replicas, started and stopped by the test), steady open-loop load on the input
 * (steady-load.ts), and at the end the exact tally of the output (output-tally.ts) once the group
 * has committed everything. Used by scale-out.test.ts and broker-restart.test.ts.
 */
import assert from 'node:assert/strict';
import type { TestContext } from 'node:test';
import { firstPredictionMs } from '../../devtools/first-prediction.ts';
import type { ClientName } from '../../src/kafka/client.ts';
import { BROKERS, committedOffsets, endOffsets, uniqueName } from './kafka.ts';
import { describeTally, type Tally, tally } from './output-tally.ts';
import { type ScenarioTopics, scenarioTopics, scorerConfig } from './scenario.ts';
import { type ScorerHandle, startScorer, stopScorer } from './scorer-process.ts';
import { SteadyLoad } from './steady-load.ts';

export const PARTITIONS = 12;
export const RATE = 1000;
export const GLOBAL_BUDGET = 2000;
/** What one member's crash can replay: its uncommitted window, the budget plus one per partition. */
export const WINDOW = GLOBAL_BUDGET + PARTITIONS;
const COMMITTED_TIMEOUT_MS = 90_000;

export interface Replica {
  readonly name: string;
  readonly handle: ScorerHandle;
  /** When the process was spawned (milliseconds since the epoch). */
  readonly startedAt: number;
}

export interface ScenarioOptions {
  readonly brokers?: readonly string[];
  /** kafka.consumer settings; absent: the defaults. */
  readonly consumer?: Record<string, unknown>;
  /**
   * delivery.guarantee exactly-once, each replica's transactional id named after its instance (or its
   * name), so a replica restarted under the same instance aborts at once what its predecessor left open.
   */
  readonly exactlyOnce?: boolean;
}

export class ScaleOutScenario {
  readonly topics: ScenarioTopics;
  readonly groupId = uniqueName('scale-group');
  readonly load: SteadyLoad;
  readonly brokers: readonly string[];
  /** Every replica started, running or not. */
  readonly replicas: Replica[] = [];
  readonly #client: ClientName;
  readonly #consumer: Record<string, unknown> | undefined;
  readonly #exactlyOnce: boolean;

  private constructor(client: ClientName, topics: ScenarioTopics, options: ScenarioOptions) {
    this.#client = client;
    this.topics = topics;
    this.brokers = options.brokers ?? BROKERS;
    this.#consumer = options.consumer;
    this.#exactlyOnce = options.exactlyOnce ?? false;
    this.load = new SteadyLoad(this.brokers, topics.input, RATE);
  }

  /** Creates the topics; the test's end stops the load, kills what still runs and deletes the topics. */
  static async create(t: TestContext, client: ClientName, name: string, options: ScenarioOptions = {}): Promise<ScaleOutScenario> {
    let s: ScaleOutScenario | undefined;
    // Registered before scenarioTopics registers the topics' deletion: t.after hooks run in registration order.
    t.after(async () => {
      await s?.load.stop();
      await Promise.all((s?.replicas ?? []).map((r) => stopScorer(r.handle, 'SIGKILL', 5000).catch(() => undefined)));
    });
    s = new ScaleOutScenario(client, await scenarioTopics(t, name, PARTITIONS, options.brokers), options);
    return s;
  }

  /**
   * Starts a replica; with `instance`, a static member of that kafka.groupInstanceId. `transactionalId`
   * (exactly-once) names the replica's id: absent, `instance` or `name` does.
   */
  async start(name: string, instance?: string, transactionalId?: string): Promise<Replica> {
    const delivery = { guarantee: 'exactly-once', transaction: { id: `${this.groupId}-${transactionalId ?? instance ?? name}` } };
    const config = scorerConfig({
      client: this.#client,
      brokers: this.brokers,
      groupId: this.groupId,
      inputs: [{ topic: this.topics.input, format: 'json' }],
      output: this.topics.output,
      outputFormat: 'json',
      deadLetter: this.topics.dlq,
      extra: {
        backpressure: { globalBudget: GLOBAL_BUDGET, partitionBudget: 500 },
        shutdown: { deadlineMs: 20_000 },
        ...(this.#exactlyOnce ? { delivery } : {}),
      },
    });
    const kafka = config.kafka as Record<string, unknown>;
    config.kafka = {
      ...kafka,
      ...(instance === undefined ? {} : { groupInstanceId: `${this.groupId}-${instance}` }),
      ...(this.#consumer === undefined ? {} : { consumer: this.#consumer }),
    };
    const replica = { name, startedAt: Date.now(), handle: await startScorer(config) };
    this.replicas.push(replica);
    return replica;
  }

  /** Starts one replica per name (static members of those instance ids when `staticIds`); resolves once each predicted. */
  async startGroup(names: readonly string[], staticIds: boolean): Promise<Replica[]> {
    const replicas = await Promise.all(names.map((name) => this.start(name, staticIds ? name : undefined)));
    await Promise.all(replicas.map((r) => firstPrediction(r)));
    return replicas;
  }

  running(): Replica[] {
    return this.replicas.filter((r) => r.handle.child.exitCode === null && r.handle.child.signalCode === null);
  }

  /**
   * Stops the load, waits until the group committed every input offset, stops the replicas on SIGTERM,
   * then tallies what came out and asserts no loss and no stray.
   */
  async finish(t: TestContext): Promise<Tally> {
    await this.load.stop();
    await this.#committedToEnd();
    for (const r of this.running()) await sigterm(r);
    const result = await tally(this.topics, this.brokers);
    t.diagnostic(describeTally(result));
    assert.equal(result.strays, 0, 'no output names an offset the input lacks');
    assert.equal(result.losses, 0, `every input offset has a prediction or a dead letter: ${describeTally(result)}`);
    assert.ok(result.deadLetters > 0 && result.predictions > 0, 'both predictions and dead letters came out');
    return result;
  }

  async #committedToEnd(): Promise<void> {
    const { input } = this.topics;
    const ends = await endOffsets(input, this.brokers);
    let committed = new Map<number, number>();
    const deadline = Date.now() + COMMITTED_TIMEOUT_MS;
    while (Date.now() < deadline) {
      committed = await committedOffsets(this.groupId, input, this.brokers);
      if ([...ends].every(([p, end]) => committed.get(p) === end)) return;
      await pause(500);
    }
    const behind = [...ends].filter(([p, end]) => committed.get(p) !== end).map(([p, end]) => `${p}: ${committed.get(p)} of ${end}`);
    assert.fail(`the group did not commit to the end within ${COMMITTED_TIMEOUT_MS} ms (${behind.join(', ')})`);
  }

  /** Lines logged at error or fatal level by these replicas, prefixed with the replica's name. */
  static errors(replicas: readonly Replica[]): string[] {
    return replicas.flatMap((r) =>
      r.handle
        .logs()
        .split('\n')
        .filter((line) => /"level":"(error|fatal)"/.test(line))
        .map((line) => `${r.name}: ${line.slice(0, 500)}`),
    );
  }
}

export const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Milliseconds from the replica's spawn to its first acknowledged prediction (polling /metrics). */
export async function firstPrediction(replica: Replica, timeoutMs = 60_000): Promise<number> {
  const ms = await firstPredictionMs(replica.handle.metrics, replica.startedAt, timeoutMs);
  if (ms === null) assert.fail(`no prediction from ${replica.name} within ${timeoutMs} ms; logs:\n${replica.handle.logs().slice(-4000)}`);
  return ms;
}

export async function sigterm(replica: Replica): Promise<void> {
  const { code } = await stopScorer(replica.handle, 'SIGTERM', 30_000);
  assert.equal(code, 0, `${replica.name} exits cleanly on SIGTERM; logs:\n${replica.handle.logs().slice(-3000)}`);
}
