/**
 * Reads the prediction topic during a load run and books each prediction of this run's events: end-to-end
 * latency (arrival here minus the event's intended send time, which the scorer copies from the input
 * record's timestamp into event_timestamp), and the input offset, to count duplicates and, at the end,
 * what is missing.
 *
 * It starts at the output's end offsets recorded before the run and is ready only once its group has
 * joined and sought there, so nothing produced during the join is missed and nothing older is counted.
 * Predictions of other producers' events (another source topic, or input offsets from before the run)
 * are skipped.
 */

import { randomBytes } from 'node:crypto';
import type { SchemaRegistry } from '@kafkajs/confluent-schema-registry';
import type { Admin, Batch, Consumer, Kafka } from 'kafkajs';
import { AvroDecoder } from '../src/codecs/avro.ts';
import { MAGIC_BYTE } from '../src/codecs/wire-format.ts';
import type { RunLatency } from './latency.ts';
import { OffsetSet } from './offset-set.ts';

/** The prediction fields the collector reads (schemas/prediction.avsc). */
interface Prediction {
  readonly source_topic: string;
  readonly source_partition: number;
  readonly source_offset: number | bigint;
  /** A number from avsc and JSON; a Date if a registry client was set up with logical types. */
  readonly event_timestamp: number | Date;
}

export interface CollectorOptions {
  readonly kafka: Kafka;
  readonly admin: Admin;
  readonly outputTopic: string;
  readonly inputTopic: string;
  /** The input topic's end offset per partition before the run: its first offset. */
  readonly inputStart: ReadonlyMap<number, number>;
  /** For Avro predictions; the JSON ones need none. */
  readonly registry: SchemaRegistry;
  readonly latency: RunLatency;
  /** Epoch milliseconds, fractional. */
  readonly clock: () => number;
  /** Waiting for the group join. @defaultValue 30000 */
  readonly joinTimeoutMs?: number;
}

/** Where events belong in the run, for the latency books: set when production starts. */
export interface RunTimes {
  /** Epoch ms at which each phase ends, in order. */
  readonly phaseEnds: readonly number[];
  /** Events intended before this (epoch ms) are in the warmup. */
  readonly warmupEnd: number;
}

export class Collector {
  readonly #o: CollectorOptions;
  readonly #consumer: Consumer;
  readonly #decoder: AvroDecoder;
  readonly #offsets: (OffsetSet | undefined)[] = [];
  #times: RunTimes = { phaseEnds: [Infinity], warmupEnd: -Infinity };
  #received = 0;
  #distinct = 0;
  #skipped = 0;
  #decodeErrors = 0;
  #lastDecodeError: string | undefined;
  #lastArrival: number | undefined;
  #lastNewArrival: number | undefined;

  private constructor(options: CollectorOptions, consumer: Consumer) {
    this.#o = options;
    this.#consumer = consumer;
    this.#decoder = new AvroDecoder(options.registry);
    for (const [partition, offset] of options.inputStart) this.#offsets[partition] = new OffsetSet(offset);
  }

  /** Joins a group of its own and seeks to the output's current end; resolves when ready to count. */
  static async start(options: CollectorOptions): Promise<Collector> {
    const { kafka, admin, outputTopic } = options;
    const ends = await admin.fetchTopicOffsets(outputTopic);
    const consumer = kafka.consumer({
      groupId: `stream-scorer-loadgen-${randomBytes(6).toString('hex')}`,
      // Bounds how long disconnect waits on an idle fetch; data still comes back as soon as it exists.
      maxWaitTimeInMs: 250,
    });
    const collector = new Collector(options, consumer);
    const joined = collector.#joined(options.joinTimeoutMs ?? 30_000);
    try {
      await consumer.connect();
      await consumer.subscribe({ topic: outputTopic, fromBeginning: false });
      await consumer.run({ autoCommit: false, eachBatch: ({ batch }) => collector.#onBatch(batch) });
      await joined;
      for (const { partition, high } of ends) consumer.seek({ topic: outputTopic, partition, offset: high });
    } catch (error) {
      joined.catch(() => undefined);
      await consumer.disconnect().catch(() => undefined);
      throw error;
    }
    return collector;
  }

  /** Predictions of this run's events received, duplicates included. */
  get received(): number {
    return this.#received;
  }

  /** This run's events with at least one prediction. */
  get distinct(): number {
    return this.#distinct;
  }

  get duplicates(): number {
    return this.#received - this.#distinct;
  }

  /** Predictions of other producers' events, skipped. */
  get skipped(): number {
    return this.#skipped;
  }

  get decodeErrors(): number {
    return this.#decodeErrors;
  }

  get lastDecodeError(): string | undefined {
    return this.#lastDecodeError;
  }

  /** Epoch ms of the last prediction of this run, and of the last one for an event not seen before. */
  get lastArrival(): number | undefined {
    return this.#lastArrival;
  }

  get lastNewArrival(): number | undefined {
    return this.#lastNewArrival;
  }

  begin(times: RunTimes): void {
    this.#times = times;
  }

  async stop(): Promise<void> {
    await this.#consumer.disconnect();
  }

  #joined(timeoutMs: number): Promise<void> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        remove();
        reject(new Error(`the prediction collector's consumer group did not join within ${timeoutMs} ms`));
      }, timeoutMs);
      timer.unref();
      const remove = this.#consumer.on(this.#consumer.events.GROUP_JOIN, () => {
        clearTimeout(timer);
        remove();
        resolve();
      });
    });
  }

  /** Never throws: kafkajs would retry the batch and count it twice. */
  async #onBatch(batch: Batch): Promise<void> {
    // One clock read a batch: its records reached this process together.
    const arrival = this.#o.clock();
    for (const message of batch.messages) {
      const value = message.value;
      if (value === null) continue;
      try {
        let prediction: Prediction;
        if (value[0] === MAGIC_BYTE) {
          // Only a schema id not seen yet costs an await; the rest decode synchronously.
          const schemaId = this.#decoder.schemaIdOf(value);
          if (!this.#decoder.isCached(schemaId)) await this.#decoder.load(schemaId);
          prediction = this.#decoder.decode(value) as Prediction;
        } else {
          prediction = JSON.parse(value.toString('utf8')) as Prediction;
        }
        this.#book(prediction, arrival);
      } catch (error) {
        this.#decodeErrors++;
        this.#lastDecodeError = error instanceof Error ? error.message : String(error);
      }
    }
  }

  #book(p: Prediction, arrival: number): void {
    const offsets = p.source_topic === this.#o.inputTopic ? this.#offsets[p.source_partition] : undefined;
    const offset = Number(p.source_offset);
    if (offsets === undefined || !(offset >= offsets.base)) {
      this.#skipped++;
      return;
    }
    this.#received++;
    this.#lastArrival = arrival;
    // Latency is the event's: its first prediction. A duplicate is counted, not timed.
    if (!offsets.add(offset)) return;
    this.#distinct++;
    this.#lastNewArrival = arrival;
    const intended = typeof p.event_timestamp === 'number' ? p.event_timestamp : p.event_timestamp.getTime();
    const { phaseEnds, warmupEnd } = this.#times;
    let phase = 0;
    while (phase < phaseEnds.length - 1 && intended >= (phaseEnds[phase] as number)) phase++;
    this.#o.latency.record(arrival - intended, phase, intended < warmupEnd);
  }
}
