/**
 * kafkajs logs through a log creator of its own. Its warnings and errors go to the service's log, with
 * one correction: kafkajs reports every routine rebalance at error level ("The group is rebalancing,
 * re-joining", heartbeats answered REBALANCE_IN_PROGRESS), so alerting on errors would fire on every
 * scale event. Those lines are information, not errors.
 */
import { type LogEntry, logLevel } from 'kafkajs';
import type { KafkaLog } from '../client.ts';

const ROUTINE = /rebalanc|re-joining|rejoin|REBALANCE_IN_PROGRESS|NOT_COORDINATOR|The coordinator is not aware of this member/i;

function isRoutine(entry: LogEntry['log']): boolean {
  return ROUTINE.test(entry.message) || ROUTINE.test(String(entry['error'] ?? '')) || ROUTINE.test(String(entry['type'] ?? ''));
}

export function logCreator(sink: KafkaLog) {
  return () =>
    ({ level, log }: LogEntry) => {
      const { message, ...rest } = log;
      const fields = { kafkajs: rest };
      if (level > logLevel.WARN) return;
      if (isRoutine(log)) sink.info(fields, message);
      else if (level === logLevel.ERROR) sink.error(fields, message);
      else sink.warn(fields, message);
    };
}
