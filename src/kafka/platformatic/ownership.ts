/**
 * The partitions this member owns, one OwnedPartition per continuous ownership. A partition assigned
 * again after being revoked or lost gets a new object with a new epoch, so state of the old ownership
 * (its position, its pause, a batch still with the handler) can never leak into the new one: every
 * late callback compares object identity with isCurrent() before it touches anything.
 */
import { type Assignment, partitionKey, type TopicPartition } from '../client.ts';

export class OwnedPartition {
  readonly topic: string;
  readonly partition: number;
  readonly key: string;
  readonly epoch: number;
  /** The group generation the ownership is held under (kept partitions move to the next one). */
  generationId: number;
  /** False from revocation or loss on: not fetched, nothing delivered. */
  active = true;
  paused = false;
  /** The next offset to fetch; undefined until the starting offset is known. */
  position: bigint | undefined = undefined;
  /** A batch of this partition is with handlers.batch and has not settled. */
  busy = false;
  /** Part of a fetch request on the wire. */
  inFlight = false;

  constructor(topic: string, partition: number, epoch: number, generationId: number) {
    this.topic = topic;
    this.partition = partition;
    this.key = partitionKey(topic, partition);
    this.epoch = epoch;
    this.generationId = generationId;
  }

  /** Whether the next fetch request may include this partition. */
  get fetchable(): boolean {
    return this.active && !this.paused && !this.busy && !this.inFlight && this.position !== undefined;
  }

  assignment(): Assignment {
    return { topic: this.topic, partition: this.partition, epoch: this.epoch };
  }
}

export class Ownership {
  readonly #owned = new Map<string, OwnedPartition>();
  #nextEpoch = 1;

  /** Starts an ownership for each partition not owned yet (kept ones move to `generationId`); returns the new ones. */
  assign(partitions: readonly TopicPartition[], generationId: number): OwnedPartition[] {
    const added: OwnedPartition[] = [];
    for (const { topic, partition } of partitions) {
      const kept = this.#owned.get(partitionKey(topic, partition));
      if (kept !== undefined) {
        kept.generationId = generationId;
        continue;
      }
      const owned = new OwnedPartition(topic, partition, this.#nextEpoch++, generationId);
      this.#owned.set(owned.key, owned);
      added.push(owned);
    }
    return added;
  }

  get(topic: string, partition: number): OwnedPartition | undefined {
    return this.#owned.get(partitionKey(topic, partition));
  }

  isCurrent(owned: OwnedPartition): boolean {
    return this.#owned.get(owned.key) === owned;
  }

  /** Whether `epoch` still owns the partition (commits ask this right before they are sent). */
  owns(topic: string, partition: number, epoch: number): boolean {
    return this.get(topic, partition)?.epoch === epoch;
  }

  all(): OwnedPartition[] {
    return [...this.#owned.values()];
  }

  get size(): number {
    return this.#owned.size;
  }

  /** Stops fetching and delivering these; they stay owned (commits still pass) until end(). */
  deactivate(partitions: readonly OwnedPartition[]): void {
    for (const owned of partitions) owned.active = false;
  }

  /** Ends these ownerships: from now on their epochs are refused. */
  end(partitions: readonly OwnedPartition[]): void {
    for (const owned of partitions) {
      owned.active = false;
      if (this.isCurrent(owned)) this.#owned.delete(owned.key);
    }
  }
}
