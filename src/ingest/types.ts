/** What the pipeline sees of a consumed record; kafkajs's KafkaMessage satisfies it without a copy. */
export interface InputRecord {
  readonly offset: string;
  readonly key: Buffer | null;
  readonly value: Buffer | null;
  readonly timestamp: string;
  readonly headers?: Readonly<Record<string, Buffer | string | (Buffer | string)[] | undefined>>;
}

export interface InputBatch {
  readonly topic: string;
  readonly partition: number;
  /** The partition's log end offset as of this fetch: lag = highWatermark - committed. */
  readonly highWatermark: number;
  readonly records: readonly InputRecord[];
}

export interface TopicPartition {
  readonly topic: string;
  readonly partition: number;
}

export interface CommitOffset extends TopicPartition {
  /** Next offset to read (last processed + 1), as kafkajs wants it. */
  readonly offset: string;
}

export function partitionKey(topic: string, partition: number): string {
  return `${topic}\u0000${partition}`;
}
