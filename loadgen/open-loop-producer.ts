/**
 * Sends the schedule's events open loop: a timer tick every few milliseconds sends everything that has
 * come due since the last one, without waiting for earlier sends to be acknowledged. A slow broker or
 * scorer therefore cannot slow the offered load down (no coordinated omission). Each record is stamped
 * with its intended send time, so when the producer itself falls behind (sends in flight at the bound),
 * the events it owes wait in the schedule's backlog and their lateness shows up as latency.
 */

import type { ICustomPartitioner, Message, Producer } from 'kafkajs';
import type { RecordSource } from './event-records.ts';
import { intendedOffsetMs } from './profile.ts';
import type { OpenLoopSchedule } from './schedule.ts';

export interface OpenLoopProducerOptions {
  /** Connected, and created with `explicitPartitioner`. */
  readonly producer: Producer;
  readonly topic: string;
  readonly records: RecordSource;
  readonly schedule: OpenLoopSchedule;
  /** Epoch milliseconds, fractional. */
  readonly clock: () => number;
  /** Sends awaiting their acknowledgement; beyond it, due events wait in the backlog. @defaultValue 8 */
  readonly maxInFlight?: number;
  /**
   * Records per send. kafkajs groups a send's records by partition in time quadratic in their number
   * (producer/groupMessagesPerPartition.js spreads an array per record): 1,000 cost ~8 µs a record on this
   * machine, 5,000 ~9.5. A 2 ms tick at 60,000/s sends ~120. @defaultValue 1000
   */
  readonly maxBatch?: number;
  /**
   * Events wait for the next tick, so up to this much (about half on average) of every measured latency
   * is the generator's own. A send costs kafkajs ~0.2 ms of CPU however few records it carries: measured
   * at 5,000/s against the scorer, 5 ms ticks saved 0.08 cores and added 1.7 ms to p50, 10 ms saved 0.17
   * cores and added 5.5 ms. Accuracy first. @defaultValue 2
   */
  readonly tickMs?: number;
}

/**
 * Records carry their partition (event-records.ts computes it once per account with kafkajs's own
 * murmur2); the default partitioner would hash every key again and filter the partition list per record.
 */
export const explicitPartitioner: ICustomPartitioner =
  () =>
  ({ message }) =>
    message.partition ?? 0;

export class OpenLoopProducer {
  readonly #o: OpenLoopProducerOptions;
  readonly #maxInFlight: number;
  readonly #maxBatch: number;
  readonly #tickMs: number;
  /** Acknowledged records, by the phase they were due in. */
  readonly #sentPerPhase: number[] = [];
  /** Acknowledged records, by the phase running when the acknowledgement came. */
  readonly #ackedDuring: number[] = [];
  #t0 = 0;
  #inFlight = 0;
  #sent = 0;
  #sendErrors = 0;
  #lastError: string | undefined;
  #timer: NodeJS.Timeout | undefined;
  #finish: (() => void) | undefined;

  constructor(options: OpenLoopProducerOptions) {
    this.#o = options;
    this.#maxInFlight = options.maxInFlight ?? 8;
    this.#maxBatch = options.maxBatch ?? 1000;
    this.#tickMs = options.tickMs ?? 2;
  }

  get sent(): number {
    return this.#sent;
  }

  get sendErrors(): number {
    return this.#sendErrors;
  }

  get lastError(): string | undefined {
    return this.#lastError;
  }

  /** Events due but not handed to Kafka yet: how far the producer is behind its schedule. */
  get behind(): number {
    return this.#o.schedule.backlog;
  }

  /** Events due in `phase` that were acknowledged, whenever that was. */
  sentInPhase(phase: number): number {
    return this.#sentPerPhase[phase] ?? 0;
  }

  /** Events acknowledged while `phase` ran: what the generator achieved, late events of earlier phases included. */
  ackedDuringPhase(phase: number): number {
    return this.#ackedDuring[phase] ?? 0;
  }

  /**
   * Starts the schedule at `t0` (epoch ms); resolves once it has ended and every send has settled.
   * Never rejects: a failed send is counted in `sendErrors` (kafkajs has already retried it).
   */
  run(t0: number): Promise<void> {
    this.#t0 = t0;
    const done = new Promise<void>((resolve) => (this.#finish = resolve));
    this.#tick();
    return done;
  }

  /** Stops scheduling now; what is in flight still settles. */
  stop(): void {
    this.#o.schedule.stop(this.#o.clock() - this.#t0);
    this.#pump();
  }

  #tick = (): void => {
    this.#timer = undefined;
    this.#o.schedule.advance(this.#o.clock() - this.#t0);
    this.#pump();
    if (this.#finish !== undefined && !this.#o.schedule.finished) this.#timer = setTimeout(this.#tick, this.#tickMs);
  };

  /**
   * Sends what the schedule has made due, up to the in-flight bound. Only the tick advances the schedule:
   * an acknowledgement sends the backlog (or, in a max phase, the next batch) but not the few events that
   * came due since the last tick: sends cost the same however few records they carry (see tickMs).
   */
  #pump(): void {
    const { schedule, clock } = this.#o;
    const now = clock();
    const elapsed = now - this.#t0;
    while (this.#inFlight < this.#maxInFlight) {
      const messages: Message[] = [];
      const phases: number[] = [];
      for (let run = schedule.take(this.#maxBatch, elapsed); run !== undefined; run = schedule.take(this.#maxBatch - messages.length, elapsed)) {
        const start = this.#t0 + run.phaseStartMs;
        for (let i = run.first; i < run.first + run.count; i++) {
          messages.push(this.#o.records.next(run.rate === 'max' ? now : start + intendedOffsetMs(run.rate, i)));
        }
        phases.push(run.phase, run.count);
        if (messages.length >= this.#maxBatch) break;
      }
      if (messages.length === 0) break;
      this.#send(messages, phases);
    }
    if (schedule.finished && this.#inFlight === 0) this.#done();
  }

  /** `phases` holds (phase, count) pairs, so acknowledgements are booked to the phase they were due in. */
  #send(messages: Message[], phases: readonly number[]): void {
    this.#inFlight++;
    this.#o.producer.send({ topic: this.#o.topic, acks: -1, messages }).then(
      () => {
        this.#inFlight--;
        this.#sent += messages.length;
        for (let i = 0; i < phases.length; i += 2) {
          const phase = phases[i] as number;
          this.#sentPerPhase[phase] = (this.#sentPerPhase[phase] ?? 0) + (phases[i + 1] as number);
        }
        const running = this.#o.schedule.phaseAt(this.#o.clock() - this.#t0);
        this.#ackedDuring[running] = (this.#ackedDuring[running] ?? 0) + messages.length;
        this.#pump();
      },
      (error: unknown) => {
        this.#inFlight--;
        this.#sendErrors += messages.length;
        this.#lastError = error instanceof Error ? error.message : String(error);
        this.#pump();
      },
    );
  }

  #done(): void {
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
    const finish = this.#finish;
    this.#finish = undefined;
    finish?.();
  }
}
