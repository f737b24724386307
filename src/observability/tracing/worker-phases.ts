/**
 * Where a worker's measured steps sit in time, so the main thread can make their spans with explicit
 * start and end times (no tracing SDK runs in the workers). The worker reports how long each step took
 * and when it began; the steps are laid end to end from that start in the pipeline's order: decode,
 * enrichment (a flow's lookups in Redis), the preprocess hook, inference, the other hooks, encode. Durations are the worker's own; for a flow,
 * whose models interleave feature extraction, inference and their hooks, the positions are that order,
 * not the exact interleaving. Without a start (an older worker), the steps end when the reply arrived.
 * Pure.
 */
import type { WorkerPhases } from '../../core/trace.ts';

export interface PhaseSpan {
  readonly name: string;
  /** Epoch milliseconds. */
  readonly start: number;
  readonly end: number;
}

const PREPROCESS = 'preprocess';

export function phaseSpans(reply: WorkerPhases, receivedAt: number): PhaseSpan[] {
  const steps: [string, number][] = [['decode', reply.decodeMs]];
  if (reply.enrichMs !== undefined) steps.push(['enrichment', reply.enrichMs]);
  const hooks = reply.hookMs ?? {};
  const preprocess = hooks[PREPROCESS];
  if (preprocess !== undefined) steps.push([`hook ${PREPROCESS}`, preprocess]);
  steps.push(['inference', reply.inferMs]);
  for (const [hook, ms] of Object.entries(hooks)) if (hook !== PREPROCESS) steps.push([`hook ${hook}`, ms]);
  steps.push(['encode', reply.encodeMs]);
  const total = steps.reduce((sum, [, ms]) => sum + ms, 0);
  let at = reply.startedAt ?? receivedAt - total;
  return steps.map(([name, ms]) => {
    const span = { name, start: at, end: at + ms };
    at += ms;
    return span;
  });
}
