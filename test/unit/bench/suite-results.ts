/** A suite's results with nothing measured, on a 2-core test machine, for the report tests to fill in. */
import type { Settings, SuiteResults } from '../../../bench/results.ts';

const SETTINGS: Settings = {
  mode: 'full',
  repeat: 3,
  trialSeconds: 60,
  burstPhaseSeconds: 60,
  threads: 1,
  partitions: 6,
  fixedRates: [],
  burstBaseRate: 5000,
  backlogEvents: 400_000,
  clockTicksPerSecond: 100,
  scaleOut: { replicaCounts: [1, 2, 3], partitions: 12, backlogEvents: 400_000, rate: 5000, windowSeconds: 10 },
};

export function suiteResults(measured: Partial<SuiteResults> = {}, settings: Partial<Settings> = {}): SuiteResults {
  return {
    startedAt: '2026-12-01T10:00:00.000Z',
    finishedAt: '2026-12-01T11:00:00.000Z',
    machine: { cores: 2, cpuModel: 'Test CPU', memoryGiB: 24, os: 'Linux 6', node: 'v24.21.0', kafka: '4.4.0', brokerColocated: true },
    settings: { ...SETTINGS, ...settings },
    ceilings: [],
    drains: [],
    sustainable: [],
    fixed: [],
    bursts: [],
    scaleOut: [],
    ...measured,
  };
}
