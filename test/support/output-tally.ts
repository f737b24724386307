/**
 * The exact count the scale-out suites judge by: for every input offset, how many predictions and dead
 * letters name it (a prediction's source_partition and source_offset, a dead letter's
 * scorer.source.* headers). None is a loss, more than one a duplicate; an output naming an offset the
 * input does not have is a stray. Each topic is read from the beginning to its end offsets as they
 * were when the tally began, with read_committed: on transactional output (exactly-once), what a
 * downstream consumer sees.
 */
import type { IHeaders } from 'kafkajs';
import { readCommitted } from './committed-read.ts';
import { type Collected, endOffsets } from './kafka.ts';
import { sourceId } from './scenario.ts';

export interface ScenarioOutput {
  readonly input: string;
  readonly output: string;
  readonly dlq: string;
}

export interface Tally {
  readonly inputs: number;
  readonly predictions: number;
  readonly deadLetters: number;
  /** Input offsets without any output. */
  readonly losses: number;
  /** Outputs beyond the first, summed over input offsets. */
  readonly duplicates: number;
  /** Input offsets with more than one output. */
  readonly duplicated: number;
  /** Outputs naming an offset the input does not have. */
  readonly strays: number;
  /** A few lost and duplicated offsets ("partition:offset", "partition:offsetxcount"), for the message. */
  readonly sample: { readonly lost: readonly string[]; readonly duplicated: readonly string[] };
  /** Per input partition, the scored_at of its predictions (milliseconds since the epoch). */
  readonly scoredAt: ReadonlyMap<number, readonly number[]>;
}

const SAMPLE = 10;
const READ_TIMEOUT_MS = 60_000;

/** Reads a topic from the beginning to the end offsets it has now, as read_committed shows it. */
async function readToEnd(topic: string, brokers: readonly string[]): Promise<Collected[]> {
  return readCommitted(topic, await endOffsets(topic, brokers), brokers, READ_TIMEOUT_MS);
}

function header(headers: IHeaders, key: string): string | undefined {
  const value = headers[key];
  const one = Array.isArray(value) ? value[0] : value;
  return one?.toString();
}

export async function tally(topics: ScenarioOutput, brokers: readonly string[]): Promise<Tally> {
  const ends = await endOffsets(topics.input, brokers);
  const outputs = new Map<string, number>();
  const count = (id: string) => outputs.set(id, (outputs.get(id) ?? 0) + 1);
  const scoredAt = new Map<number, number[]>();
  const predictions = await readToEnd(topics.output, brokers);
  for (const c of predictions) {
    const p = JSON.parse((c.value as Buffer).toString()) as { source_partition: number; source_offset: number; scored_at: number };
    count(sourceId(p.source_partition, p.source_offset));
    const times = scoredAt.get(p.source_partition) ?? [];
    times.push(p.scored_at);
    scoredAt.set(p.source_partition, times);
  }
  const deadLetters = await readToEnd(topics.dlq, brokers);
  for (const c of deadLetters) count(sourceId(Number(header(c.headers, 'scorer.source.partition')), Number(header(c.headers, 'scorer.source.offset'))));

  let inputs = 0;
  let losses = 0;
  let duplicates = 0;
  let duplicated = 0;
  const lost: string[] = [];
  const twice: string[] = [];
  for (const [partition, end] of ends) {
    for (let offset = 0; offset < end; offset++) {
      const id = sourceId(partition, offset);
      const n = outputs.get(id) ?? 0;
      outputs.delete(id);
      inputs++;
      if (n === 0) {
        losses++;
        if (lost.length < SAMPLE) lost.push(id);
      } else if (n > 1) {
        duplicates += n - 1;
        duplicated++;
        if (twice.length < SAMPLE) twice.push(`${id}x${n}`);
      }
    }
  }
  return {
    inputs,
    predictions: predictions.length,
    deadLetters: deadLetters.length,
    losses,
    duplicates,
    duplicated,
    strays: outputs.size,
    sample: { lost, duplicated: twice },
    scoredAt,
  };
}

export function describeTally(t: Tally): string {
  const counts = `${t.inputs} inputs: ${t.predictions} predictions + ${t.deadLetters} dead letters; losses ${t.losses}, duplicates ${t.duplicates} (on ${t.duplicated} offsets), strays ${t.strays}`;
  return t.losses + t.duplicates === 0 ? counts : `${counts}; e.g. lost ${t.sample.lost.join(' ')} duplicated ${t.sample.duplicated.join(' ')}`;
}
