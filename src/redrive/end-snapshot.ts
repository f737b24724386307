/**
 * How far a redrive reads: each DLQ partition up to the end offset it had when the command started, so
 * the dead letters the redrive itself appends (records that fail again) are never read again. Pure.
 */
import type { PartitionOffsets } from '../kafka/client.ts';

interface Reading {
  readonly start: number;
  readonly end: number;
  /** The next offset not yet taken (start until the first record). */
  next: number;
}

export class EndSnapshot {
  readonly #partitions = new Map<number, Reading>();

  constructor(offsets: readonly PartitionOffsets[]) {
    for (const { partition, start, end } of offsets) this.#partitions.set(partition, { start, end, next: start });
  }

  /**
   * 'past-end' for a record at or after its partition's end; 'again' for one read before (a fetch that
   * stopped early, or a partition assigned again, delivers it again: it is admitted again, but counted
   * once); else 'new', and the partition's position moves past it.
   */
  take(partition: number, offset: number): 'new' | 'again' | 'past-end' {
    const reading = this.#partitions.get(partition);
    if (reading === undefined || offset >= reading.end) return 'past-end';
    if (offset < reading.next) return 'again';
    reading.next = offset + 1;
    return 'new';
  }

  /** Every partition read to its end. */
  get done(): boolean {
    for (const reading of this.#partitions.values()) if (reading.next < reading.end) return false;
    return true;
  }

  /** Offsets read and offsets to read in all, from each partition's start to its end. */
  position(): { readonly read: number; readonly total: number } {
    let read = 0;
    let total = 0;
    for (const reading of this.#partitions.values()) {
      read += Math.min(reading.next, reading.end) - reading.start;
      total += reading.end - reading.start;
    }
    return { read, total };
  }

  /** Partitions not read to their end: "partition: next of end". */
  unfinished(): { readonly partition: number; readonly next: number; readonly end: number }[] {
    return [...this.#partitions].filter(([, r]) => r.next < r.end).map(([partition, r]) => ({ partition, next: r.next, end: r.end }));
  }
}
