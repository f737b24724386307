/**
 * Command-line parsing for the baseline subjects and the inference ceiling: node:util parseArgs in strict
 * mode, plus value checks whose errors name the flag (durations: loadgen/profile.ts parseDuration). Pure:
 * nothing here reads process.argv or exits.
 */
import { type ParseArgsConfig, parseArgs } from 'node:util';

export class FlagError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'FlagError';
  }
}

type StringOptions = Record<string, { type: 'string'; default?: string }>;

/** Strict parse of string flags; an unknown flag or a positional argument is a FlagError. */
export function parseFlags<O extends StringOptions>(argv: readonly string[], options: O): { [K in keyof O]?: string } {
  try {
    const config: ParseArgsConfig = { args: [...argv], options, strict: true, allowPositionals: false };
    return parseArgs(config).values as { [K in keyof O]?: string };
  } catch (error) {
    // parseArgs appends advice about `--` that does not apply here; keep its first sentence.
    const message = error instanceof Error ? (error.message.split('. ')[0] ?? error.message) : String(error);
    throw new FlagError(message);
  }
}

export function required(flag: string, value: string | undefined): string {
  if (value === undefined || value === '') throw new FlagError(`--${flag} is required`);
  return value;
}

export function oneOf<const T extends string>(flag: string, value: string, choices: readonly T[]): T {
  if (!(choices as readonly string[]).includes(value)) {
    throw new FlagError(`--${flag} must be one of ${choices.join(', ')}, got "${value}"`);
  }
  return value as T;
}

export function positiveInt(flag: string, value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || !Number.isSafeInteger(n) || n < 1) {
    throw new FlagError(`--${flag} must be a positive integer, got "${value}"`);
  }
  return n;
}

/** A comma-separated list of positive integers, e.g. "64,256,1024". */
export function positiveIntList(flag: string, value: string): number[] {
  const items = value.split(',').map((item) => item.trim());
  if (items.some((item) => item === '')) throw new FlagError(`--${flag} must be a comma-separated list of positive integers, got "${value}"`);
  return items.map((item) => positiveInt(flag, item));
}

/** A comma-separated list of host:port addresses. */
export function brokerList(flag: string, value: string): string[] {
  const brokers = value.split(',').map((item) => item.trim());
  for (const broker of brokers) {
    if (!/^[^\s:,]+:\d{1,5}$/.test(broker)) throw new FlagError(`--${flag} must be host:port[,host:port...], got "${value}"`);
  }
  return brokers;
}

export function httpUrl(flag: string, value: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new FlagError(`--${flag} must be an http(s) URL, got "${value}"`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new FlagError(`--${flag} must be an http(s) URL, got "${value}"`);
  return value;
}
