/**
 * Open-loop input for the scale-out suites: `rate` events a second, sent every TICK_MS whatever the
 * scorer does, from golden events (keys repeat, so every partition gets some), one in POISON_EVERY not
 * JSON (the scorer dead-letters it as JSON_DECODE). A send that fails (a broker restarting) is retried
 * until it lands, and what fell due meanwhile goes with the next send. Each retry goes through a new
 * producer: kafkajs's idempotent producer can stay refused on some partitions after a broker restart
 * (seen: three partitions got no input for the rest of a run). An input written twice by a retry is
 * harmless: the tally counts every input offset on its own.
 */
import type { Message, Producer } from 'kafkajs';
import { testKafka } from './kafka.ts';
import { goldenEvents } from './scenario.ts';

export const POISON_EVERY = 50;
const TICK_MS = 50;
const RETRY_MS = 200;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export class SteadyLoad {
  readonly #brokers: readonly string[];
  readonly #topic: string;
  readonly #rate: number;
  #sent = 0;
  #running = false;
  #loop: Promise<void> | undefined;
  #producer: Producer | undefined;

  constructor(brokers: readonly string[], topic: string, rate: number) {
    this.#brokers = brokers;
    this.#topic = topic;
    this.#rate = rate;
  }

  async start(): Promise<void> {
    this.#producer = await this.#connect();
    this.#running = true;
    this.#loop = this.#run().finally(() => this.#producer?.disconnect().catch(() => undefined));
  }

  async #connect(): Promise<Producer> {
    const producer = testKafka(this.#brokers).producer({ allowAutoTopicCreation: false, idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();
    return producer;
  }

  /** Resolves with how many events were sent, once the last send settled. */
  async stop(): Promise<number> {
    this.#running = false;
    await this.#loop;
    return this.#sent;
  }

  async #run(): Promise<void> {
    const started = Date.now();
    const events = goldenEvents(10_000);
    while (this.#running) {
      const due = Math.floor(((Date.now() - started) * this.#rate) / 1000);
      const messages: Message[] = [];
      for (let i = this.#sent; i < due; i++) {
        const { key, event } = events[i % events.length] as (typeof events)[number];
        messages.push({ key, value: i % POISON_EVERY === POISON_EVERY - 1 ? `not json {${i}` : JSON.stringify({ ...event, event_id: `evt-${i}` }) });
      }
      if (messages.length > 0 && (await this.#send(messages))) this.#sent += messages.length;
      await sleep(TICK_MS);
    }
  }

  /** False when the load was stopped before the send landed. */
  async #send(messages: Message[]): Promise<boolean> {
    for (;;) {
      try {
        this.#producer ??= await this.#connect();
        await this.#producer.send({ topic: this.#topic, acks: -1, messages });
        return true;
      } catch {
        await this.#producer?.disconnect().catch(() => undefined);
        this.#producer = undefined;
        if (!this.#running) return false;
        await sleep(RETRY_MS);
      }
    }
  }
}
