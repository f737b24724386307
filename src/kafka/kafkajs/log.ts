/**
 * kafkajs logs through a log creator of its own. Its warnings and errors go to the service's log, with
 * two corrections. kafkajs reports every routine rebalance at error level ("The group is rebalancing,
 * re-joining", heartbeats answered REBALANCE_IN_PROGRESS), so alerting on errors would fire on every
 * scale event: those lines are information. And it reports each failed connection attempt at error
 * level while it retries (a broker restart makes dozens): those are warnings; if the client gives up,
 * the consumer's crash is reported as an error by the service.
 */
import { type LogEntry, logLevel } from 'kafkajs';
import type { KafkaLog } from '../client.ts';

const ROUTINE = /rebalanc|re-joining|REBALANCE_IN_PROGRESS|NOT_COORDINATOR/i;
const RETRIED =
  /Connection error|Connection timeout|Failed to connect|ECONNREFUSED|ECONNRESET|KafkaJSConnection|not aware of this member|Request .* timed out/i;

function matches(pattern: RegExp, entry: LogEntry['log']): boolean {
  return pattern.test(entry.message) || pattern.test(String(entry['error'] ?? '')) || pattern.test(String(entry['type'] ?? ''));
}

export function logCreator(sink: KafkaLog) {
  return () =>
    ({ level, log }: LogEntry) => {
      const { message, ...rest } = log;
      const fields = { kafkajs: rest };
      if (level > logLevel.WARN) return;
      if (matches(ROUTINE, log)) sink.info(fields, message);
      else if (level === logLevel.ERROR && !matches(RETRIED, log)) sink.error(fields, message);
      else sink.warn(fields, message);
    };
}
