/**
 * The main thread's side of hot reload: changing the model set of every inference thread, each of which
 * must load a new version before any batch is sent for it. piscina cannot address a thread, so a load
 * sent as tasks could land twice on one thread and never on another; instead the set is broadcast on a
 * BroadcastChannel every thread listens on, and each thread answers with its threadId once it holds the
 * set. A sync is done when every live thread has answered for its generation (threads that exit
 * meanwhile are not waited for).
 *
 * A thread that replaces one that died after a switch must come up with the current set, not
 * workerData's start-up set: the generation is kept in shared memory, a new thread that finds it ahead
 * of its own says hello, and the current set is broadcast again (every thread applies a set no newer
 * than its own as a no-op).
 */
import { randomUUID } from 'node:crypto';
import { BroadcastChannel } from 'node:worker_threads';
import type { ControlMessage, FlowGeneration, ModelSetSync, WorkerControl, WorkerModel } from './protocol.ts';

export interface SyncFailure {
  readonly threadId: number;
  /** The modelId, or "flows:<generation>", that failed to load. */
  readonly id: string;
  readonly message: string;
}

export interface SyncReport {
  readonly generation: number;
  /** Threads that answered. */
  readonly threads: number;
  readonly failures: readonly SyncFailure[];
}

interface Waiter {
  readonly generation: number;
  readonly resolve: (report: SyncReport) => void;
  readonly reject: (error: Error) => void;
  readonly timer: NodeJS.Timeout;
}

export class ModelSync {
  readonly control: WorkerControl;
  readonly #channel: BroadcastChannel;
  readonly #threads: () => readonly number[];
  readonly #timeoutMs: number;
  /** Per thread: the last generation it answered for, and that answer's failures. */
  readonly #acks = new Map<number, { generation: number; failures: SyncFailure[] }>();
  #current: ModelSetSync;
  #waiters: Waiter[] = [];

  /** `threads`: the threadIds of the pool's live threads. */
  constructor(initial: { models: readonly WorkerModel[]; flows: FlowGeneration }, threads: () => readonly number[], timeoutMs = 120_000) {
    this.control = { channel: `stream-scorer-models-${randomUUID()}`, generation: new Int32Array(new SharedArrayBuffer(4)) };
    this.#current = { kind: 'sync', generation: 0, models: initial.models, flows: [initial.flows] };
    this.#threads = threads;
    this.#timeoutMs = timeoutMs;
    this.#channel = new BroadcastChannel(this.control.channel);
    this.#channel.unref();
    this.#channel.onmessage = (event) => this.#onMessage((event as MessageEvent).data as ControlMessage);
  }

  /** The set the threads hold (or are being brought to). */
  get current(): ModelSetSync {
    return this.#current;
  }

  /**
   * Broadcasts a new set and resolves once every live thread holds it, with what failed where. Rejects
   * after the timeout (a thread that never answers); the set stays broadcast either way.
   */
  sync(models: readonly WorkerModel[], flows: readonly FlowGeneration[]): Promise<SyncReport> {
    const generation = this.#current.generation + 1;
    this.#current = { kind: 'sync', generation, models, flows };
    // Shared first, then broadcast: a thread that starts now either gets this message or sees the generation.
    Atomics.store(this.control.generation, 0, generation);
    const done = new Promise<SyncReport>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#waiters = this.#waiters.filter((w) => w.timer !== timer);
        reject(new Error(`model set generation ${generation}: not every inference thread answered within ${this.#timeoutMs} ms`));
      }, this.#timeoutMs);
      this.#waiters.push({ generation, resolve, reject, timer });
    });
    this.#channel.postMessage(this.#current);
    this.threadsChanged();
    return done;
  }

  /** The pool's threads changed (one exited): a sync may now be complete. */
  threadsChanged(): void {
    const live = this.#threads();
    for (const id of this.#acks.keys()) if (!live.includes(id)) this.#acks.delete(id);
    this.#waiters = this.#waiters.filter((waiter) => {
      const acks = live.map((id) => this.#acks.get(id));
      if (acks.some((ack) => ack === undefined || ack.generation < waiter.generation)) return true;
      clearTimeout(waiter.timer);
      waiter.resolve({ generation: waiter.generation, threads: live.length, failures: acks.flatMap((ack) => ack?.failures ?? []) });
      return false;
    });
  }

  close(): void {
    for (const waiter of this.#waiters) {
      clearTimeout(waiter.timer);
      waiter.reject(new Error('the inference pool is closed'));
    }
    this.#waiters = [];
    this.#channel.close();
  }

  #onMessage(message: ControlMessage): void {
    if (message.kind === 'hello') {
      this.#channel.postMessage(this.#current);
      return;
    }
    if (message.kind !== 'synced') return;
    const failures = message.failures.map((failure) => ({ threadId: message.threadId, ...failure }));
    const previous = this.#acks.get(message.threadId);
    // A repeated answer for the same generation (to another thread's hello) carries no failures: keep the first.
    if (previous !== undefined && previous.generation === message.generation && failures.length === 0) return;
    this.#acks.set(message.threadId, { generation: message.generation, failures });
    this.threadsChanged();
  }
}
