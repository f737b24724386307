import assert from 'node:assert/strict';
import { test } from 'node:test';
import { logLevel } from 'kafkajs';
import { logCreator } from '../../../src/kafka/kafkajs/log.ts';

function recorder() {
  const lines: [string, string][] = [];
  const at = (level: string) => (_: object, msg: string) => void lines.push([level, msg]);
  return { lines, sink: { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') } };
}

test('kafkajs reports routine rebalances and retried connections at error level; they are information and warnings', () => {
  const { lines, sink } = recorder();
  const log = logCreator(sink)();
  const entry = (level: logLevel, message: string, extra: object = {}) =>
    log({ namespace: 'Runner', level, label: 'ERROR', log: { timestamp: '', message, ...extra } });
  entry(logLevel.ERROR, 'The group is rebalancing, re-joining', { groupId: 'g', error: 'The group is rebalancing, so a rejoin is needed' });
  entry(logLevel.ERROR, 'Response Heartbeat(key: 12, version: 3)', { error: 'The group is rebalancing, so a rejoin is needed', type: 'REBALANCE_IN_PROGRESS' });
  entry(logLevel.ERROR, 'Connection error: connect ECONNREFUSED 127.0.0.1:9092');
  entry(logLevel.WARN, 'Something slow');
  entry(logLevel.INFO, 'Consumer has joined the group');
  entry(logLevel.ERROR, 'Crash: KafkaJSProtocolError: Not authorized to access group');
  assert.deepEqual(lines, [
    ['info', 'The group is rebalancing, re-joining'],
    ['info', 'Response Heartbeat(key: 12, version: 3)'],
    ['warn', 'Connection error: connect ECONNREFUSED 127.0.0.1:9092'],
    ['warn', 'Something slow'],
    ['error', 'Crash: KafkaJSProtocolError: Not authorized to access group'],
  ]);
});
