/**
 * kafkajs 2.2.4's commitOffsets resolves without sending anything while its runner is not running
 * (runner.js commitOffsets: "consumer not running, exiting"). That window opens the moment a fetch
 * crashes and closes only after the adapter hears CRASH, which kafkajs emits after disconnecting, so
 * the partitions still count as owned: a commit in it would be reported done and its watermark never
 * sent again. What kafkajs did send it reports in a COMMIT_OFFSETS event before commitOffsets returns;
 * this keeps those offsets so the adapter can tell a sent commit from a dropped one.
 */
import { partitionKey } from '../client.ts';

/**
 * The shape of kafkajs's COMMIT_OFFSETS payload that matters here. Its types say the offset is a
 * string; it is the Long commitOffsets made of it, so it is compared by its decimal text.
 */
export interface CommittedTopics {
  readonly topics: readonly { readonly topic: string; readonly partitions: readonly { readonly partition: number | string; readonly offset: unknown }[] }[];
}

export interface SentOffset {
  readonly topic: string;
  readonly partition: number;
  readonly offset: string;
}

export class CommitConfirmations {
  /** The offset last reported committed, per partition: at most one entry per partition ever owned. */
  readonly #last = new Map<string, string>();

  record(payload: CommittedTopics): void {
    for (const { topic, partitions } of payload.topics) {
      for (const { partition, offset } of partitions) this.#last.set(partitionKey(topic, Number(partition)), String(offset));
    }
  }

  /**
   * Of these offsets, the ones kafkajs did not report committed. A later commit of the same partition
   * can make a sent one look dropped; the caller then commits again, which is harmless.
   */
  unconfirmed(sent: readonly SentOffset[]): SentOffset[] {
    return sent.filter((o) => this.#last.get(partitionKey(o.topic, o.partition)) !== o.offset);
  }
}
