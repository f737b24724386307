/**
 * The kafkajs consumer-group adapter: eachBatch in, explicit commits out, pause/resume per partition.
 *
 * kafkajs facts this is shaped around (../shared/notes/libraries.md §1):
 * - eachBatch returns as soon as a batch is admitted to the pipeline, and resolves the last admitted
 *   offset itself (kafkajs maps the last record to the batch's last offset, control records included);
 *   commits stay ours and name explicit offsets.
 * - There is no revoke callback. A rebalance shows up as the REBALANCING event, after which kafkajs rejoins
 *   eagerly (every partition revoked) and GROUP_JOIN carries the new assignment.
 * - Paused partitions stay paused across rebalances (tulios/kafkajs subscriptionState), so every new
 *   assignment is resumed here and the backpressure controller decides afresh.
 * - stop() leaves the group, after which commits fail: the service drains and commits before stop().
 */
import type { Consumer, Kafka } from 'kafkajs';
import type { KafkaConfig } from '../config/types.ts';
import { ScorerError } from '../errors.ts';
import type { CommitOffset, InputBatch, TopicPartition } from './types.ts';

export interface IngestHandlers {
  /** A fetched batch of an assigned partition. Resolves with the last offset admitted: the fetch position
   * moves only that far, so records left out (over budget) are fetched again after a resume. */
  onBatch(batch: InputBatch, heartbeat: () => Promise<void>): Promise<string | undefined>;
  /** A rebalance began: kafkajs revokes every partition before it rejoins. */
  onRevokeAll(): void;
  /** A new generation's assignment for this member. */
  onAssigned(partitions: readonly TopicPartition[]): void;
  /** kafkajs gave up (restart false) or is restarting after an error. */
  onCrash(error: Error, willRestart: boolean): void;
}

export class KafkaIngest {
  readonly #consumer: Consumer;
  readonly #topics: readonly string[];
  readonly #config: KafkaConfig;
  readonly #handlers: IngestHandlers;
  #assignment: readonly TopicPartition[] = [];

  constructor(kafka: Kafka, config: KafkaConfig, topics: readonly string[], handlers: IngestHandlers) {
    this.#config = config;
    this.#topics = topics;
    this.#consumer = kafka.consumer({
      groupId: config.groupId,
      sessionTimeout: config.consumer.sessionTimeoutMs,
      rebalanceTimeout: config.consumer.rebalanceTimeoutMs,
      heartbeatInterval: config.consumer.heartbeatIntervalMs,
      maxBytesPerPartition: config.consumer.maxBytesPerPartition,
      maxBytes: config.consumer.maxBytes,
      maxWaitTimeInMs: config.consumer.maxWaitTimeMs,
      allowAutoTopicCreation: false,
    });
    this.#handlers = handlers;
    this.#wireEvents(handlers);
  }

  #wireEvents(handlers: IngestHandlers): void {
    const { REBALANCING, GROUP_JOIN, CRASH } = this.#consumer.events;
    this.#consumer.on(REBALANCING, () => {
      this.#assignment = [];
      handlers.onRevokeAll();
    });
    this.#consumer.on(GROUP_JOIN, (event) => {
      const assignment: TopicPartition[] = [];
      for (const [topic, partitions] of Object.entries(event.payload.memberAssignment)) {
        for (const partition of partitions) assignment.push({ topic, partition });
      }
      // A join is also a revoke of whatever the previous generation held (kafkajs rebalances eagerly).
      handlers.onRevokeAll();
      this.#assignment = assignment;
      this.resume(assignment);
      handlers.onAssigned(assignment);
    });
    this.#consumer.on(CRASH, (event) => {
      handlers.onCrash(event.payload.error, event.payload.restart);
    });
  }

  get assignment(): readonly TopicPartition[] {
    return this.#assignment;
  }

  async start(): Promise<void> {
    try {
      await this.#consumer.connect();
      await this.#consumer.subscribe({
        topics: [...this.#topics],
        fromBeginning: this.#config.consumer.fromBeginning,
      });
    } catch (cause) {
      throw new ScorerError('SCORER_ERR_KAFKA', `consumer could not join group "${this.#config.groupId}"`, {
        cause,
        retryable: true,
        details: { brokers: this.#config.brokers, topics: this.#topics },
      });
    }
    await this.#consumer.run({
      autoCommit: false,
      eachBatchAutoResolve: false,
      partitionsConsumedConcurrently: 1,
      eachBatch: async ({ batch, heartbeat, resolveOffset }) => {
        const last = await this.#handlers.onBatch(
          {
            topic: batch.topic,
            partition: batch.partition,
            highWatermark: Number(batch.highWatermark),
            records: batch.messages,
          },
          heartbeat,
        );
        if (last !== undefined) resolveOffset(last);
      },
    });
  }

  pause(partitions: readonly TopicPartition[]): void {
    if (partitions.length > 0) this.#consumer.pause(groupByTopic(partitions));
  }

  resume(partitions: readonly TopicPartition[]): void {
    if (partitions.length > 0) this.#consumer.resume(groupByTopic(partitions));
  }

  async commit(offsets: readonly CommitOffset[]): Promise<void> {
    if (offsets.length === 0) return;
    await this.#consumer.commitOffsets(offsets.map(({ topic, partition, offset }) => ({ topic, partition, offset })));
  }

  /** Leaves the group and disconnects. Commit before calling this. */
  async stop(): Promise<void> {
    await this.#consumer.disconnect();
  }
}

function groupByTopic(partitions: readonly TopicPartition[]): { topic: string; partitions: number[] }[] {
  const byTopic = new Map<string, number[]>();
  for (const { topic, partition } of partitions) {
    const list = byTopic.get(topic);
    if (list) list.push(partition);
    else byTopic.set(topic, [partition]);
  }
  return [...byTopic].map(([topic, list]) => ({ topic, partitions: list }));
}
