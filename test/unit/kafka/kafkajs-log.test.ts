import assert from 'node:assert/strict';
import { test } from 'node:test';
import { logLevel } from 'kafkajs';
import { logCreator, REPEAT_MS } from '../../../src/kafka/kafkajs/log.ts';

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
  entry(logLevel.ERROR, 'Response Heartbeat(key: 12, version: 3)', { error: 'This is not the correct coordinator for this group' });
  entry(logLevel.ERROR, 'Response OffsetCommit(key: 8, version: 5)', { error: 'Specified group generation id is not valid' });
  entry(logLevel.ERROR, 'Connection error: connect ECONNREFUSED 127.0.0.1:9092');
  entry(logLevel.WARN, 'Something slow');
  entry(logLevel.INFO, 'Consumer has joined the group');
  entry(logLevel.ERROR, 'Crash: KafkaJSProtocolError: Not authorized to access group');
  assert.deepEqual(lines, [
    ['info', 'The group is rebalancing, re-joining'],
    ['info', 'Response Heartbeat(key: 12, version: 3)'],
    ['info', 'Response Heartbeat(key: 12, version: 3)'],
    ['info', 'Response OffsetCommit(key: 8, version: 5)'],
    ['warn', 'Connection error: connect ECONNREFUSED 127.0.0.1:9092'],
    ['warn', 'Something slow'],
    ['error', 'Crash: KafkaJSProtocolError: Not authorized to access group'],
  ]);
});

test('a broker outage reads as a few warnings: a repeated one is written once per REPEAT_MS; the consumer crashes and restarts as warnings', () => {
  const { lines, sink } = recorder();
  let now = 0;
  const log = logCreator(sink, () => now)();
  const entry = (level: logLevel, message: string) => log({ namespace: 'Connection', level, label: 'ERROR', log: { timestamp: '', message } });
  for (let i = 0; i < 30; i++) {
    entry(logLevel.ERROR, 'Connection error: connect ECONNREFUSED 127.0.0.1:9092');
    entry(logLevel.ERROR, 'Failed to connect to seed broker, trying another broker from the list: Connection error: connect ECONNREFUSED 127.0.0.1:9092');
    now += 500;
  }
  entry(logLevel.ERROR, 'Failed to send messages: This server is not the leader for that topic-partition');
  entry(logLevel.ERROR, 'Crash: KafkaJSNoBrokerAvailableError: No broker available');
  entry(logLevel.ERROR, 'Crash: KafkaJSNonRetriableError: Failed to find group coordinator');
  entry(logLevel.ERROR, "Crash: KafkaJSProtocolError: The coordinator is loading and hence can't process requests for this group");
  // The stale member's LeaveGroup asking a coordinator that is not back yet (kafkajs/stale-member.ts).
  log({
    namespace: 'Connection',
    level: logLevel.ERROR,
    label: 'ERROR',
    log: { timestamp: '', message: 'Response GroupCoordinator(key: 10, version: 2)', error: 'The group coordinator is not available' },
  });
  entry(logLevel.ERROR, 'Restarting the consumer in 100ms');
  const warned = lines.filter(([level]) => level === 'warn');
  assert.equal(
    warned.length,
    2 * Math.ceil((30 * 500) / REPEAT_MS) + 6,
    `one warning per message per ${REPEAT_MS} ms, the send to a leader not there yet, the three crashes, the coordinator not available and the restart`,
  );
  assert.deepEqual(warned.at(-1), ['warn', 'Restarting the consumer in 100ms']);
  assert.equal(lines.filter(([level]) => level === 'error').length, 0, 'nothing at error level while the client retries');
  assert.equal(lines.filter(([level]) => level === 'debug').length, 60 - 2 * Math.ceil((30 * 500) / REPEAT_MS), 'the repeats go to debug');
});
