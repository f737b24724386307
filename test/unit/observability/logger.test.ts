import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createLogger, type LogLevel } from '../../../src/observability/logger.ts';

const capture = (level: LogLevel) => {
  const lines: string[] = [];
  const logger = createLogger(level, { write: (line: string) => void lines.push(line) });
  return { logger, lines };
};

test('writes one JSON line with the service, an ISO time and the level name', () => {
  const { logger, lines } = capture('info');
  logger.info({ partition: 3 }, 'assigned');
  assert.equal(lines.length, 1);
  const entry = JSON.parse(lines[0] ?? '');
  assert.equal(entry.service, 'stream-scorer');
  assert.equal(entry.level, 'info');
  assert.equal(entry.msg, 'assigned');
  assert.equal(entry.partition, 3);
  assert.equal(new Date(entry.time).toISOString(), entry.time);
});

test('respects the level, and silent writes nothing', () => {
  const info = capture('info');
  info.logger.debug('hidden');
  info.logger.warn('shown');
  assert.deepEqual(
    info.lines.map((line) => JSON.parse(line).msg),
    ['shown'],
  );
  const silent = capture('silent');
  silent.logger.fatal('nothing');
  assert.deepEqual(silent.lines, []);
});

test('child loggers keep the base fields', () => {
  const { logger, lines } = capture('info');
  logger.child({ component: 'pool' }).error(new Error('boom'), 'worker died');
  const entry = JSON.parse(lines[0] ?? '');
  assert.equal(entry.service, 'stream-scorer');
  assert.equal(entry.component, 'pool');
  assert.equal(entry.err.message, 'boom');
});
