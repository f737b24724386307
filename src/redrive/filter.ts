/**
 * Which dead letters a redrive replays: by reason, by the partition of the topic they came from, and by
 * time (the `scorer.failed.at` header, or the DLQ record's own timestamp). Pure: the flags are parsed
 * here, each error naming its flag, and a dead letter is matched against the result.
 */

import type { DeadLetter } from '../delivery/dead-letter.ts';
import { DLQ_REASONS, type DlqReason, isDlqReason } from '../errors.ts';

export type TimeField = 'failed-at' | 'timestamp';
export const TIME_FIELDS: readonly TimeField[] = ['failed-at', 'timestamp'];

export interface RedriveFilter {
  /** Absent: every reason. */
  readonly reasons?: ReadonlySet<DlqReason>;
  /** Source partitions, both ends included; absent: all. */
  readonly partitions?: { readonly from: number; readonly to: number };
  /** Milliseconds since the epoch: since <= time < until; either may be absent. */
  readonly since?: number;
  readonly until?: number;
  readonly time: TimeField;
}

/** Why a dead letter was passed over; the summary counts each. */
export type SkipReason = 'reason' | 'partition' | 'time' | 'not-a-dead-letter';

export interface FilterFlags {
  readonly reason?: readonly string[];
  readonly partitions?: string;
  readonly since?: string;
  readonly until?: string;
  readonly time?: string;
}

/** A flag's value that cannot be used: `flag` names it, as the command line spells it. */
export class FlagError extends Error {
  readonly flag: string;
  constructor(flag: string, message: string) {
    super(`${flag}: ${message}`);
    this.name = 'FlagError';
    this.flag = flag;
  }
}

/** `--reason` may repeat and each may list codes separated by commas. */
function parseReasons(values: readonly string[]): ReadonlySet<DlqReason> {
  const reasons = new Set<DlqReason>();
  for (const code of values.flatMap((value) => value.split(',')).map((code) => code.trim())) {
    if (!isDlqReason(code)) throw new FlagError('--reason', `unknown reason code "${code}"; the codes are ${Object.keys(DLQ_REASONS).join(', ')}`);
    reasons.add(code);
  }
  return reasons;
}

const PARTITION = /^\d{1,9}$/;

/** "3" or "0-5" (both ends included). */
function parsePartitions(text: string): { from: number; to: number } {
  const [first, second, extra] = text.split('-').map((part) => part.trim());
  const valid = first !== undefined && PARTITION.test(first) && extra === undefined && (second === undefined || PARTITION.test(second));
  if (!valid) throw new FlagError('--partitions', `"${text}" is not a partition or a range of them (e.g. 3 or 0-5)`);
  const from = Number(first);
  const to = second === undefined ? from : Number(second);
  if (to < from) throw new FlagError('--partitions', `"${text}" ends before it starts`);
  return { from, to };
}

/** ISO-8601 (a date, or a date and time; without a zone, UTC), or milliseconds since the epoch. */
function parseTime(flag: string, text: string): number {
  if (/^\d+$/.test(text)) return Number(text);
  const zoned = /T.*(Z|[+-]\d\d:?\d\d)$/.test(text) || !text.includes('T') ? text : `${text}Z`;
  const ms = Date.parse(zoned);
  if (!/^\d{4}-\d\d-\d\d/.test(text) || Number.isNaN(ms)) {
    throw new FlagError(flag, `"${text}" is not a time (ISO-8601 such as 2026-12-01T21:00:00Z, or milliseconds since the epoch)`);
  }
  return ms;
}

export function parseFilter(flags: FilterFlags): RedriveFilter {
  const time = flags.time ?? 'failed-at';
  if (!(TIME_FIELDS as readonly string[]).includes(time)) throw new FlagError('--time', `"${time}" is not one of ${TIME_FIELDS.join(', ')}`);
  const since = flags.since === undefined ? undefined : parseTime('--since', flags.since);
  const until = flags.until === undefined ? undefined : parseTime('--until', flags.until);
  if (since !== undefined && until !== undefined && until <= since) throw new FlagError('--until', `${flags.until} is not after --since ${flags.since}`);
  return {
    time: time as TimeField,
    ...(flags.reason === undefined || flags.reason.length === 0 ? {} : { reasons: parseReasons(flags.reason) }),
    ...(flags.partitions === undefined ? {} : { partitions: parsePartitions(flags.partitions) }),
    ...(since === undefined ? {} : { since }),
    ...(until === undefined ? {} : { until }),
  };
}

/** Undefined: the dead letter is redriven. A letter whose time field is missing fails any time bound. */
export function skipReason(filter: RedriveFilter, letter: DeadLetter): SkipReason | undefined {
  if (filter.reasons !== undefined && !filter.reasons.has(letter.reason)) return 'reason';
  const range = filter.partitions;
  if (range !== undefined && (letter.source.partition < range.from || letter.source.partition > range.to)) return 'partition';
  if (filter.since !== undefined || filter.until !== undefined) {
    const at = filter.time === 'failed-at' ? letter.failedAt : letter.timestamp;
    if (at === undefined || (filter.since !== undefined && at < filter.since) || (filter.until !== undefined && at >= filter.until)) return 'time';
  }
  return undefined;
}
