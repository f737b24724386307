/**
 * kafkajs logs through a log creator of its own. Its warnings and errors go to the service's log, with
 * two corrections. kafkajs reports every routine rebalance at error level ("The group is rebalancing,
 * re-joining", heartbeats answered REBALANCE_IN_PROGRESS, or NOT_COORDINATOR once the coordinator moved
 * or restarted, and a commit of the generation a rebalance just ended, ILLEGAL_GENERATION), so alerting on errors would fire on every scale event: those lines are information.
 * And it reports each failed connection attempt at error level while it retries (a broker restart makes
 * dozens), and each request that meets a partition whose leader is not there yet: those are warnings,
 * and so are the crashes of its consumer that a broker restart causes (no broker available, the
 * coordinator not found, not available or still loading its groups) and the restart that follows ("Restarting the consumer"), since the client
 * goes on by itself; if it gives up, the service reports the consumer's fatal crash as an error. A
 * warning that repeats (kafkajs logs each connection attempt twice, every few hundred milliseconds
 * while a broker is down) is written once per REPEAT_MS at warn level and at debug level in between, so
 * an outage reads as a few lines.
 */
import { type LogEntry, logLevel } from 'kafkajs';
import type { KafkaLog } from '../client.ts';

const ROUTINE = /rebalanc|re-joining|REBALANCE_IN_PROGRESS|NOT_COORDINATOR|not the correct coordinator|generation id is not valid/i;
const RETRIED =
  /Connection error|Connection timeout|Failed to connect|ECONNREFUSED|ECONNRESET|KafkaJSConnection|not aware of this member|Request .* timed out|Restarting the consumer|coordinator is loading|coordinator is not available|No broker available|Failed to find group coordinator|not the leader|leadership election/i;

/** The same warning at most once in this long at warn level. */
export const REPEAT_MS = 10_000;

function matches(pattern: RegExp, entry: LogEntry['log']): boolean {
  return pattern.test(entry.message) || pattern.test(String(entry['error'] ?? '')) || pattern.test(String(entry['type'] ?? ''));
}

export function logCreator(sink: KafkaLog, now: () => number = Date.now) {
  const lastWarned = new Map<string, number>();
  const warn = (fields: object, message: string) => {
    const at = now();
    const last = lastWarned.get(message);
    if (last !== undefined && at - last < REPEAT_MS) {
      sink.debug(fields, message);
      return;
    }
    if (lastWarned.size > 1000) lastWarned.clear();
    lastWarned.set(message, at);
    sink.warn(fields, message);
  };
  return () =>
    ({ level, log }: LogEntry) => {
      const { message, ...rest } = log;
      const fields = { kafkajs: rest };
      if (level > logLevel.WARN) return;
      if (matches(ROUTINE, log)) sink.info(fields, message);
      else if (level === logLevel.ERROR && !matches(RETRIED, log)) sink.error(fields, message);
      else warn(fields, message);
    };
}
