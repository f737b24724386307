/** The service's structured logger. The only module that imports pino. */
import { type DestinationStream, type Logger as PinoLogger, pino, stdSerializers, stdTimeFunctions } from 'pino';
import type { ScorerConfig } from '../config/types.ts';

export type Logger = PinoLogger;
export type LogLevel = ScorerConfig['log']['level'];

/**
 * One JSON object per line: {"level":"info","time":"<ISO 8601>","service":"stream-scorer",...,"msg":...}.
 * Levels are written as names, not pino's numbers, so log queries read naturally. Without a
 * destination, lines go to stdout synchronously, so nothing is lost when the process exits.
 */
export function createLogger(level: LogLevel, destination?: DestinationStream): Logger {
  const options = {
    level,
    base: { service: 'stream-scorer' },
    timestamp: stdTimeFunctions.isoTime,
    formatters: { level: (label: string) => ({ level: label }) },
    // Causes as nested objects: the default serializer appends every cause's message to the error's
    // own, so a message that already says what the cause was reads twice.
    serializers: { err: stdSerializers.errWithCause },
  };
  return destination === undefined ? pino(options) : pino(options, destination);
}
