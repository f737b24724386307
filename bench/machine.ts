/**
 * The machine a benchmark ran on, recorded with every result: PROTOCOL.md makes absolute numbers notes,
 * not claims, and a note is worthless without the machine it was taken on.
 */
import { execFileSync } from 'node:child_process';
import { availableParallelism, cpus, release, totalmem, type } from 'node:os';
import { fileURLToPath } from 'node:url';
import type { MachineInfo } from './results.ts';

const BROKER_SCRIPT = fileURLToPath(new URL('../scripts/kafka/broker.sh', import.meta.url));

/** The broker version the local broker script runs (KAFKA_VERSION overrides the pinned one). */
function kafkaVersion(brokers: readonly string[]): string {
  const local = brokers.every((b) => b.startsWith('127.0.0.1:') || b.startsWith('localhost:'));
  if (!local) return 'remote (version not known to the suite)';
  try {
    return execFileSync('bash', [BROKER_SCRIPT, 'version'], { encoding: 'utf8' }).trim();
  } catch {
    return 'unknown';
  }
}

export function describeMachine(brokers: readonly string[]): MachineInfo {
  return {
    cores: availableParallelism(),
    cpuModel: cpus()[0]?.model.trim() ?? 'unknown',
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    os: `${type()} ${release()}`,
    node: process.version,
    kafka: kafkaVersion(brokers),
    brokerColocated: brokers.every((b) => b.startsWith('127.0.0.1:') || b.startsWith('localhost:')),
  };
}
