/**
 * Exactly-once delivery (delivery.guarantee: exactly-once) on a real broker, with real scorer processes:
 * every input offset must be answered by exactly one record, a prediction or a dead letter, in what a
 * read_committed consumer of the output and DLQ topics sees, across kill -9 of a replica (three times,
 * one of two replicas), a second replica joining and leaving, a replica fenced by a successor under its
 * transactional id, a replica stalled (SIGSTOP) until the coordinator timed its open transaction out, and
 * SIGTERM with a restart. A
 * read_uncommitted consumer reads the same topics, to show what the transactions hide (records of
 * aborted transactions and of those a killed replica left open). Clients that refuse the mode are checked
 * to refuse it at start-up, by name.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Consumer, Message } from 'kafkajs';
import { CLIENTS, EXACTLY_ONCE } from '../support/clients.ts';
import { BROKERS, committedOffsets, endOffsets, testKafka, uniqueName } from '../support/kafka.ts';
import { describeTally, tally } from '../support/output-tally.ts';
import { goldenEvents, jsonMessages, produceEvents, scenarioTopics, scorerConfig, sourceId } from '../support/scenario.ts';
import { type ScorerHandle, startScorer, stopScorer } from '../support/scorer-process.ts';
import { transactionState } from '../support/transaction-state.ts';

const PARTITIONS = 6;
/** Every this many events one is not JSON: a JSON_DECODE dead letter, in the same transactions. */
const POISON_EVERY = 97;

interface Tallied {
  /** Records per source "partition:offset" (predictions and dead letters together). */
  readonly counts: Map<string, number>;
  predictions: number;
  deadLetters: number;
}

/**
 * Reads the output and DLQ topics from the beginning, with one isolation level, for as long as it runs,
 * counting records per source offset: predictions by their lineage fields, dead letters by their
 * scorer.source.* headers.
 */
class Tally {
  readonly seen: Tallied = { counts: new Map(), predictions: 0, deadLetters: 0 };
  readonly #consumer: Consumer;

  private constructor(consumer: Consumer) {
    this.#consumer = consumer;
  }

  static async start(topics: readonly string[], dlq: string, isolation: 'read_committed' | 'read_uncommitted'): Promise<Tally> {
    const consumer = testKafka().consumer({
      groupId: uniqueName(`tally-${isolation}`),
      readUncommitted: isolation === 'read_uncommitted',
      maxWaitTimeInMs: 100,
    });
    const tally = new Tally(consumer);
    await consumer.connect();
    await consumer.subscribe({ topics: [...topics], fromBeginning: true });
    await consumer.run({
      eachBatch: async ({ batch }) => {
        for (const m of batch.messages) tally.#count(batch.topic === dlq, m);
      },
    });
    return tally;
  }

  #count(deadLetter: boolean, m: { value: Buffer | null; headers?: Record<string, unknown> }): void {
    let id: string;
    if (deadLetter) {
      const header = (key: string) => String((m.headers?.[key] as Buffer | undefined) ?? '');
      id = sourceId(Number(header('scorer.source.partition')), Number(header('scorer.source.offset')));
      this.seen.deadLetters++;
    } else {
      const value = JSON.parse((m.value as Buffer).toString()) as { source_partition: number; source_offset: number };
      id = sourceId(value.source_partition, Number(value.source_offset));
      this.seen.predictions++;
    }
    this.seen.counts.set(id, (this.seen.counts.get(id) ?? 0) + 1);
  }

  get unique(): number {
    return this.seen.counts.size;
  }

  get records(): number {
    return this.seen.predictions + this.seen.deadLetters;
  }

  stop(): Promise<void> {
    return this.#consumer.disconnect();
  }
}

/** `events` events with a poison record every POISON_EVERY, produced in parts as a test asks. */
class Input {
  /** Every input offset produced so far ("partition:offset"). */
  readonly ids: string[] = [];
  readonly #topic: string;
  readonly #messages: Message[];
  #produced = 0;

  constructor(topic: string, events: number) {
    this.#topic = topic;
    this.#messages = jsonMessages(goldenEvents(events)).map((m, i) => (i % POISON_EVERY === 0 ? { ...m, value: `{not json ${i}` } : m));
  }

  get total(): number {
    return this.#messages.length;
  }

  /** Produces the next `count` events (the rest when absent) and records the offsets they landed on. */
  async produce(count = this.total - this.#produced): Promise<void> {
    const end = Math.min(this.total, this.#produced + count);
    await produceEvents(this.#topic, this.#messages.slice(this.#produced, end));
    this.#produced = end;
    this.ids.length = 0;
    for (const [partition, last] of await endOffsets(this.#topic)) for (let offset = 0; offset < last; offset++) this.ids.push(sourceId(partition, offset));
    assert.equal(this.ids.length, end, 'the input holds every event produced once');
  }
}

async function until(what: string, condition: () => boolean, timeoutMs: number, replicas: readonly ScorerHandle[] = []): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) {
      const logs = replicas.map((r, i) => `--- replica ${i}:\n${r.logs().slice(-3000)}`).join('\n');
      assert.fail(`timed out after ${timeoutMs} ms waiting for ${what}\n${logs}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** Polls `condition` for up to `ms`; resolves with whether it held. */
async function within(ms: number, condition: () => boolean): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  return true;
}

/** Waits until nothing new arrives for `quietMs`. */
async function quiet(tally: Tally, quietMs: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = tally.records;
  let since = Date.now();
  while (Date.now() - since < quietMs && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 100));
    if (tally.records !== last) {
      last = tally.records;
      since = Date.now();
    }
  }
}

interface Verdict {
  readonly missing: number;
  /** Source offsets answered more than once, and the extra records. */
  readonly duplicated: number;
  readonly extra: number;
}

function verdict(seen: Tallied, ids: readonly string[]): Verdict {
  let missing = 0;
  let duplicated = 0;
  let extra = 0;
  for (const id of ids) {
    const n = seen.counts.get(id) ?? 0;
    if (n === 0) missing++;
    if (n > 1) {
      duplicated++;
      extra += n - 1;
    }
  }
  return { missing, duplicated, extra };
}

function describe(v: Verdict): string {
  return `${v.missing} missing, ${v.duplicated} source offsets duplicated (${v.extra} extra records)`;
}

/**
 * `id` pins the transactional id (a StatefulSet pod name would); `intervalMs` and `timeoutMs` are
 * delivery.transaction's; `sessionTimeoutMs` kafka.consumer's (default here: the broker's minimum).
 */
interface ReplicaOverrides {
  readonly id?: string;
  readonly injectDelayMs?: number;
  readonly intervalMs?: number;
  readonly timeoutMs?: number;
  readonly sessionTimeoutMs?: number;
}

interface Scenario {
  readonly input: string;
  readonly output: string;
  readonly dlq: string;
  readonly groupId: string;
  /** The input produced so far: `produce` adds to it, `ids` are its offsets. */
  readonly events: Input;
  readonly ids: readonly string[];
  readonly committed: Tally;
  readonly uncommitted: Tally;
  /** A replica's configuration. */
  config(overrides?: ReplicaOverrides): Record<string, unknown>;
}

/**
 * Topics, tallies and configuration for `events` events, of which `first` are produced now; a test
 * produces the rest in parts right before each disruption, so that it lands while there is input to
 * score, however fast the replicas were until then.
 */
async function scenario(t: { after(fn: () => unknown): void }, name: string, events: number, first = events): Promise<Scenario> {
  const { input, output, dlq } = await scenarioTopics(t, name, PARTITIONS);
  const inputEvents = new Input(input, events);
  await inputEvents.produce(first);
  const groupId = uniqueName(`${name}-group`);
  const committed = await Tally.start([output, dlq], dlq, 'read_committed');
  t.after(() => committed.stop());
  const uncommitted = await Tally.start([output, dlq], dlq, 'read_uncommitted');
  t.after(() => uncommitted.stop());
  const config = (overrides: ReplicaOverrides = {}) => {
    const c = scorerConfig({
      client: 'platformatic',
      groupId,
      inputs: [{ topic: input, format: 'json' }],
      output,
      outputFormat: 'json',
      deadLetter: dlq,
      extra: {
        delivery: {
          guarantee: 'exactly-once',
          transaction: {
            ...(overrides.id === undefined ? {} : { id: overrides.id }),
            ...(overrides.intervalMs === undefined ? {} : { intervalMs: overrides.intervalMs }),
            ...(overrides.timeoutMs === undefined ? {} : { timeoutMs: overrides.timeoutMs }),
          },
        },
        // Slow enough that the stream is surely mid-way whenever a replica is killed, stopped or joins.
        inference: { injectDelayMs: overrides.injectDelayMs ?? 200 },
        batching: { maxBatchSize: 256, maxDelayMs: 2 },
        backpressure: { globalBudget: 3000, partitionBudget: 1000 },
        shutdown: { deadlineMs: 15_000 },
      },
    });
    // After kill -9 the group waits out the dead member's session: the broker's minimum keeps it short.
    c.kafka = {
      ...(c.kafka as object),
      consumer: { sessionTimeoutMs: overrides.sessionTimeoutMs ?? 6000, heartbeatIntervalMs: 1000, revocationBudgetMs: 3000 },
    };
    return c;
  };
  return { input, output, dlq, groupId, events: inputEvents, ids: inputEvents.ids, committed, uncommitted, config };
}

async function start(t: { after(fn: () => unknown): void }, config: Record<string, unknown>): Promise<ScorerHandle> {
  const scorer = await startScorer(config);
  t.after(() => stopScorer(scorer, 'SIGKILL', 5000));
  await scorer.waitReady();
  return scorer;
}

/**
 * Waits for every input to be answered under read_committed and for both tallies to settle, then judges
 * by the exact tally of the topics as read_committed shows them, worked out from the log's transaction
 * markers (output-tally.ts): the live read_committed tally runs on kafkajs, whose filter of aborted
 * transactions can let some through (committed-read.ts says when), so it only paces the test.
 */
async function finish(
  t: { diagnostic(message: string): void },
  s: Scenario,
  replicas: readonly ScorerHandle[],
  timeoutMs: number,
): Promise<{ uncommitted: Verdict }> {
  assert.equal(s.ids.length, s.events.total, 'the test produced all its input');
  await until('every input answered under read_committed', () => s.committed.unique >= s.ids.length, timeoutMs, replicas);
  for (const r of replicas) await stopScorer(r, 'SIGTERM', 20_000);
  await quiet(s.committed, 2000, 15_000);
  await quiet(s.uncommitted, 2000, 15_000);
  const exact = await tally(s, BROKERS);
  const uncommitted = verdict(s.uncommitted.seen, s.ids);
  t.diagnostic(`read_committed: ${describeTally(exact)}`);
  t.diagnostic(`read_uncommitted: ${s.uncommitted.seen.predictions} predictions + ${s.uncommitted.seen.deadLetters} dead letters: ${describe(uncommitted)}`);
  const poison = Math.ceil(s.ids.length / POISON_EVERY);
  assert.equal(exact.inputs, s.ids.length, 'the tally counted every input');
  assert.equal(exact.deadLetters, poison, 'one dead letter per poison record under read_committed');
  assert.deepEqual(
    { losses: exact.losses, duplicates: exact.duplicates, strays: exact.strays },
    { losses: 0, duplicates: 0, strays: 0 },
    `each input exactly once under read_committed: ${describeTally(exact)}`,
  );
  const ends = await endOffsets(s.input);
  const offsets = await committedOffsets(s.groupId, s.input);
  assert.deepEqual([...offsets].sort(), [...ends].sort(), 'the group committed every input offset');
  return { uncommitted };
}

const SUITE = { timeout: 240_000 };

/**
 * A stall outlasting the transaction timeout and the coordinator's scan for timed-out transactions
 * (transaction.abort.timed.out.transaction.cleanup.interval.ms, 10 s by default).
 */
const STALL_MS = 12_000;
const STALL_RECOVERY_MS = 10_000;
/** What the replica logs when the coordinator gave its id back after aborting its transaction (transactional.ts). */
const RECOVERED = 'the coordinator aborted a transaction open longer than delivery.transaction.timeoutMs';

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Stops the replica (SIGSTOP) at a moment its transaction is open, as the coordinator sees it: stopped
 * between two transactions, it is let go on at once and stopped again a little later. The state is read
 * 300 ms after the stop, so that a commit already on the wire when the process stopped has landed.
 * Resolves with the attempts it took; the replica is left stopped.
 */
async function freezeInTransaction(replica: ScorerHandle, transactionalId: string): Promise<number> {
  for (let attempt = 1; attempt <= 100; attempt++) {
    replica.child.kill('SIGSTOP');
    await pause(300);
    if ((await transactionState(BROKERS, transactionalId)) === 'Ongoing') return attempt;
    replica.child.kill('SIGCONT');
    await pause(20 + Math.random() * 80);
  }
  return assert.fail('never stopped the replica while its transaction was open, in 100 attempts');
}

function errorLines(replica: ScorerHandle): string[] {
  return replica
    .logs()
    .split('\n')
    .filter((line) => /"level":"(error|fatal)"/.test(line))
    .map((line) => line.slice(0, 500));
}

for (const client of CLIENTS) {
  if (!EXACTLY_ONCE[client]) {
    test(`[${client}] exactly-once is refused at start-up, naming why`, SUITE, async (t) => {
      const { output, dlq, input } = await scenarioTopics(t, 'eos-refused', 1);
      const config = scorerConfig({
        client,
        groupId: uniqueName('eos-refused'),
        inputs: [{ topic: input, format: 'json' }],
        output,
        outputFormat: 'json',
        deadLetter: dlq,
        extra: { delivery: { guarantee: 'exactly-once' } },
      });
      const scorer = await startScorer(config);
      t.after(() => stopScorer(scorer, 'SIGKILL', 5000));
      const { code } = await scorer.exited;
      assert.equal(code, 2, 'a configuration error');
      assert.match(scorer.logs(), /delivery\.guarantee/);
      assert.match(scorer.logs(), /KIP-447/);
    });
    continue;
  }

  test(`[${client}] exactly-once: kill -9 of one of two replicas, three times: nothing lost, nothing twice under read_committed`, SUITE, async (t) => {
    const PART = 10_000;
    const s = await scenario(t, 'eos-kill', 4 * PART, PART);
    // A is restarted under the same transactional id (as a StatefulSet pod would be); B keeps the default.
    const idA = `${s.groupId}-a`;
    // Faster than the other scenarios, and transactions back to back (no pacing), so that kills hit open ones.
    const config = (id?: string) => s.config({ injectDelayMs: 60, intervalMs: 0, ...(id === undefined ? {} : { id }) });
    const [firstA, b] = await Promise.all([start(t, config(idA)), start(t, config())]);
    let a = firstA;
    const all = [a, b];
    for (let kill = 1; kill <= 3; kill++) {
      // The stream moves on (or drains) with A back, then the next part arrives and A dies scoring it.
      const from = s.committed.unique;
      await until(`the stream moving on before kill ${kill}`, () => s.committed.unique >= Math.min(from + PART / 4, s.ids.length), 120_000, all);
      await s.events.produce(PART);
      // Best when a transaction is open: records written (read_uncommitted sees them) but not committed.
      const open = await within(3000, () => s.uncommitted.unique > s.committed.unique);
      assert.ok(s.committed.unique < s.ids.length, `kill ${kill} lands mid-stream`);
      a.child.kill('SIGKILL');
      await a.exited;
      t.diagnostic(
        `kill ${kill} at ${s.committed.unique} of ${s.ids.length} produced answered (${s.uncommitted.unique} under read_uncommitted${open ? ': a transaction was open' : ''})`,
      );
      await new Promise((resolve) => setTimeout(resolve, 500));
      a = await start(t, config(idA));
      all.push(a);
    }
    const { uncommitted } = await finish(t, s, [a, b], 180_000);
    assert.equal(uncommitted.missing, 0);
  });

  test(`[${client}] exactly-once: a second replica joining and leaving: nothing lost, nothing twice under read_committed`, SUITE, async (t) => {
    const PART = 7000;
    const s = await scenario(t, 'eos-rebalance', 3 * PART, PART);
    const a = await start(t, s.config());
    await until('the first replica scoring', () => s.committed.unique >= PART / 4, 120_000, [a]);
    await s.events.produce(PART);
    const b = await start(t, s.config());
    t.diagnostic(`second replica joined at ${s.committed.unique} of ${s.ids.length} produced`);
    const joined = s.committed.unique;
    await until('both scoring', () => s.committed.unique >= Math.min(joined + PART / 4, s.ids.length), 120_000, [a, b]);
    await s.events.produce(PART);
    const { code } = await stopScorer(b, 'SIGTERM', 20_000);
    assert.equal(code, 0, `the leaving replica exits cleanly; logs:\n${b.logs().slice(-2000)}`);
    t.diagnostic(`second replica left at ${s.committed.unique} of ${s.ids.length}`);
    assert.ok(s.committed.unique < s.ids.length, 'it left mid-stream');
    await finish(t, s, [a], 180_000);
  });

  test(`[${client}] exactly-once: a replica whose transactional id another one takes is fenced and stops, naming the id`, SUITE, async (t) => {
    const s = await scenario(t, 'eos-fenced', 12_000, 6000);
    const id = `${s.groupId}-pod-0`;
    const zombie = await start(t, s.config({ id }));
    await until('a fifth answered', () => s.committed.unique >= s.ids.length / 5, 120_000, [zombie]);
    await s.events.produce();
    // A successor under the same id (a StatefulSet pod started again while the old one still runs).
    const successor = await start(t, s.config({ id }));
    const { code } = await zombie.exited;
    assert.equal(code, 1, 'the fenced replica stops with a runtime failure');
    const stopped = zombie
      .logs()
      .split('\n')
      .find((line) => line.includes('exactly-once delivery stops'));
    assert.ok(stopped !== undefined, `it says why it stops; logs:\n${zombie.logs().slice(-3000)}`);
    t.diagnostic(stopped);
    assert.match(
      stopped,
      new RegExp(`PRODUCER_FENCED\\): fenced, a newer producer registered transactional id \\\\"${id}\\\\"`),
      'its error says it was fenced, naming the id',
    );
    t.diagnostic(`fenced at ${s.committed.unique} of ${s.ids.length}`);
    assert.ok(s.committed.unique < s.ids.length, 'fenced mid-stream');
    await finish(t, s, [successor], 120_000);
  });

  test(
    `[${client}] exactly-once: a replica stalled until the coordinator timed its transaction out recovers by itself within ${STALL_RECOVERY_MS / 1000} s: nothing lost, nothing twice under read_committed`,
    SUITE,
    async (t) => {
      const PART = 6000;
      const s = await scenario(t, 'eos-timeout', 2 * PART, PART);
      const id = `${s.groupId}-pod-0`;
      // Transactions back to back under the shortest timeout allowed; a session that outlasts the stall,
      // so that the coordinator's abort is the only thing the stall causes.
      const replica = await start(t, s.config({ id, injectDelayMs: 60, intervalMs: 0, timeoutMs: 1000, sessionTimeoutMs: 30_000 }));
      await until('scoring', () => s.committed.unique >= PART / 4, 120_000, [replica]);
      await s.events.produce();
      const freezes = await freezeInTransaction(replica, id);
      await pause(STALL_MS);
      // The live tally has caught up with everything committed before the stop by now.
      const stalledAt = s.committed.unique;
      replica.child.kill('SIGCONT');
      const resumed = Date.now();
      await until('the replica registering again after the abort', () => replica.logs().includes(RECOVERED), STALL_RECOVERY_MS, [replica]);
      await until('answers committed after the stall', () => s.committed.unique > stalledAt, 2 * STALL_RECOVERY_MS, [replica]);
      const recoveryMs = Date.now() - resumed;
      t.diagnostic(
        `stopped in an open transaction (attempt ${freezes}) at ${stalledAt} of ${s.ids.length} answered; committed again ${recoveryMs} ms after SIGCONT`,
      );
      assert.ok(recoveryMs <= STALL_RECOVERY_MS, `answers committed again within ${STALL_RECOVERY_MS} ms of the stall's end (${recoveryMs} ms)`);
      assert.equal(replica.child.exitCode, null, 'the replica still runs');
      await finish(t, s, [replica], 120_000);
      assert.deepEqual(errorLines(replica), [], 'a timed-out transaction logs nothing at error level');
    },
  );

  test(`[${client}] exactly-once: SIGTERM mid-stream commits exactly what is visible; a restart adds nothing twice`, SUITE, async (t) => {
    const s = await scenario(t, 'eos-sigterm', 12_000);
    const first = await start(t, s.config());
    await until('a third answered', () => s.committed.unique >= s.ids.length / 3, 120_000, [first]);
    const { code } = await stopScorer(first, 'SIGTERM', 20_000);
    assert.equal(code, 0, `clean exit; logs:\n${first.logs().slice(-2000)}`);
    await quiet(s.committed, 1500, 10_000);
    // What the group committed is exactly what a read_committed consumer sees: [0, committed) per partition.
    const committed = await committedOffsets(s.groupId, s.input);
    const visible = [...s.committed.seen.counts.keys()].sort();
    const expected: string[] = [];
    for (const [partition, offset] of committed) for (let o = 0; o < offset; o++) expected.push(sourceId(partition, o));
    assert.deepEqual(visible, expected.sort(), 'the committed offsets cover exactly what is visible');
    assert.ok(visible.length < s.ids.length, 'the signal landed mid-stream');
    t.diagnostic(`stopped at ${visible.length} of ${s.ids.length}`);
    const second = await start(t, s.config());
    await finish(t, s, [second], 120_000);
  });
}
