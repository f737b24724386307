/**
 * Intake's view of the DLQ during a redrive: each dead letter below the end snapshot is read back
 * (delivery/dead-letter.ts), filtered, and admitted as the record it once was: its original key, value
 * and headers, with the original topic, partition and offset as lineage, so its prediction, or its new
 * dead letter, names the source record and not the DLQ.
 */
import { readDeadLetter } from '../delivery/dead-letter.ts';
import type { Presented, RecordPresenter } from '../intake/intake.ts';
import type { ConsumedRecord, TopicPartition } from '../kafka/client.ts';
import type { EndSnapshot } from './end-snapshot.ts';
import { type RedriveFilter, skipReason } from './filter.ts';
import type { RedriveTally } from './tally.ts';

export interface PresenterOptions {
  readonly filter: RedriveFilter;
  readonly snapshot: EndSnapshot;
  readonly tally: RedriveTally;
  /** Count what matches, admit nothing. */
  readonly dryRun: boolean;
}

export class DeadLetterPresenter implements RecordPresenter {
  readonly #o: PresenterOptions;

  constructor(options: PresenterOptions) {
    this.#o = options;
  }

  present(batch: TopicPartition, record: ConsumedRecord): Presented | undefined {
    const { snapshot, tally, filter } = this.#o;
    const seen = snapshot.take(batch.partition, record.offset);
    if (seen === 'past-end') return undefined;
    const letter = readDeadLetter(record);
    const why = letter === undefined ? 'not-a-dead-letter' : skipReason(filter, letter);
    if (seen === 'new') {
      if (why === undefined) tally.match();
      else tally.skip(why);
    }
    if (letter === undefined || why !== undefined || this.#o.dryRun) return undefined;
    return { topic: letter.source.topic, partition: letter.source.partition, record: letter.original };
  }
}
