/**
 * The golden check of a model version before it goes live: golden.json (written by the training script
 * beside model.onnx: events and the scores and labels the trained model gave them) is scored through
 * the worker pool, the way live records are (JSON decode, feature spec, session, prediction encoding),
 * and every score must be within the file's tolerance and every label equal. The comparison is pure.
 */
import { readFile } from 'node:fs/promises';
import { JSON_RECORD } from '../codecs/input-format.ts';
import type { BatchInput } from '../inference/pool.ts';
import type { RecordsScoredReply } from '../inference/protocol.ts';
import { NO_HEADERS } from '../kafka/client.ts';
import { recordsRequest } from './records-request.ts';

export interface GoldenRow {
  readonly event: Readonly<Record<string, unknown>>;
  readonly score: number;
  readonly label?: string | null;
}

export interface Golden {
  readonly model: string;
  readonly version: number;
  readonly tolerance: number;
  readonly rows: readonly GoldenRow[];
}

/** What the model answered for one golden row: its prediction's score and label, or why it failed. */
export type GoldenAnswer = { readonly score: number; readonly label: string | null } | { readonly failed: string };

/** Problems with the file itself, before anything is scored. */
export function goldenShapeProblem(raw: unknown, name: string, version: number): string | undefined {
  if (typeof raw !== 'object' || raw === null) return 'golden.json must be an object';
  const g = raw as Partial<Golden>;
  if (g.model !== name || g.version !== version) return `golden.json is for ${String(g.model)}:${String(g.version)}, not ${name}:${version}`;
  if (typeof g.tolerance !== 'number' || !(g.tolerance >= 0)) return 'golden.json: tolerance must be a number >= 0';
  if (!Array.isArray(g.rows) || g.rows.length === 0) return 'golden.json: rows must be a non-empty list';
  const bad = g.rows.findIndex((row) => typeof row?.event !== 'object' || typeof row?.score !== 'number');
  return bad < 0 ? undefined : `golden.json: rows[${bad}] must have an event object and a numeric score`;
}

/** undefined when the file does not exist; throws with a reason when it cannot be read or parsed. */
export async function readGolden(file: string, name: string, version: number): Promise<Golden | undefined> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new Error(`golden.json cannot be read (${(error as NodeJS.ErrnoException).code ?? String(error)})`);
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    throw new Error(`golden.json is not valid JSON (${error instanceof Error ? error.message : String(error)})`);
  }
  const problem = goldenShapeProblem(raw, name, version);
  if (problem !== undefined) throw new Error(problem);
  return raw as Golden;
}

/** The first rows that disagree (at most `limit`), described; empty when every row agrees. */
export function goldenMismatches(golden: Golden, answers: readonly GoldenAnswer[], limit = 3): string[] {
  const problems: string[] = [];
  let count = 0;
  golden.rows.forEach((row, i) => {
    const answer = answers[i];
    let problem: string | undefined;
    if (answer === undefined) problem = 'no answer';
    else if ('failed' in answer) problem = `failed: ${answer.failed}`;
    else if (!(Math.abs(answer.score - row.score) <= golden.tolerance)) problem = `score ${answer.score}, golden ${row.score} (tolerance ${golden.tolerance})`;
    else if (row.label !== undefined && answer.label !== row.label) problem = `label ${String(answer.label)}, golden ${String(row.label)}`;
    if (problem === undefined) return;
    count++;
    if (problems.length < limit) problems.push(`row ${i}: ${problem}`);
  });
  if (count > problems.length) problems.push(`and ${count - problems.length} more of ${golden.rows.length} rows`);
  return problems;
}

const JSON_ONLY = (): string => {
  throw new Error('golden batches are JSON');
};

/** One batch of golden rows as JSON records, predictions asked for in JSON. */
export function goldenBatch(name: string, version: number, rows: readonly GoldenRow[]): BatchInput {
  const items = rows.map((row, offset) => {
    const value = Buffer.from(JSON.stringify(row.event));
    return {
      record: { offset, key: null, value, timestamp: 0, headers: NO_HEADERS },
      schemaId: JSON_RECORD,
      topic: 'golden',
      partition: 0,
      offset,
      timestamp: 0,
    };
  });
  return recordsRequest({ name, version, output: { format: 'json' }, writerSchema: JSON_ONLY }, items, 0);
}

/** Each row's answer in one scored golden batch. */
export function goldenAnswers(reply: RecordsScoredReply): GoldenAnswer[] {
  const failures = new Map(reply.failures.map((f) => [f.row, f]));
  const text = Buffer.from(reply.encoded.buffer, reply.encoded.byteOffset, reply.encoded.length);
  let start = 0;
  return Array.from(reply.ends, (end, row): GoldenAnswer => {
    const failure = failures.get(row);
    const slice = text.toString('utf8', start, end);
    start = end;
    if (failure !== undefined) return { failed: `${failure.reason} ${failure.message}` };
    const prediction = JSON.parse(slice) as { score: number; label: string | null };
    return { score: prediction.score, label: prediction.label };
  });
}
