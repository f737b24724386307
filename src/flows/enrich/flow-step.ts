/**
 * The enrichment step as the flow executor runs it: before the preprocess hook, so hooks and routing
 * see the looked-up features as if the event had carried them. Its two ends beyond the enricher: the
 * reply that hands a batch back untouched (Redis unavailable, wait), and the flag on the predictions of
 * rows scored with defaults (Redis unavailable, defaults).
 */
import type { EnrichmentReport, FlowScoredReply } from '../../inference/protocol.ts';
import type { FlowBatch, Job } from '../flow-batch.ts';
import type { Output } from '../flow-output.ts';
import type { Enricher } from './enricher.ts';

/** The prediction attribute of a row whose looked-up features are its defaults, Redis being unavailable. */
export const DEFAULTED_ATTRIBUTE = { name: 'enrichment', value: 'defaulted' } as const;

export type EnrichStep =
  | { readonly jobs: Job[]; readonly report: EnrichmentReport; readonly enrichMs: number; readonly defaulted: ReadonlySet<number> }
  | { readonly handedBack: FlowScoredReply };

export async function enrichStep(batch: FlowBatch, enricher: Enricher, jobs: readonly Job[]): Promise<EnrichStep> {
  const start = batch.now();
  const outcome = await enricher.enrich(batch, jobs);
  const enrichMs = batch.now() - start;
  const report = { ...outcome.report, defaulted: outcome.defaulted.size };
  if (outcome.unavailable === undefined) return { jobs: batch.live(jobs), report, enrichMs, defaulted: outcome.defaulted };
  const { rows } = batch.request;
  const handedBack: FlowScoredReply = {
    kind: 'flow-scored',
    encoded: new Uint8Array(0),
    recordEnds: new Int32Array(0),
    rowRecords: new Int32Array(rows),
    recordModel: new Uint16Array(0),
    models: [],
    fallbacks: {},
    failures: [],
    modelRuns: [],
    hookMs: batch.hookMs,
    decodeMs: batch.decodeMs,
    inferMs: 0,
    encodeMs: 0,
    enrichment: report,
    enrichMs,
    handedBack: outcome.unavailable,
  };
  return { handedBack };
}

/** Marks every prediction of the defaulted rows, so a consumer can tell them from fully enriched ones. */
export function flagDefaulted(outputs: Output[][], defaulted: ReadonlySet<number>): void {
  for (const row of defaulted) {
    const outs = outputs[row];
    if (outs === undefined) continue;
    outs.forEach((o, i) => {
      const attributes = { ...o.prediction.attributes, [DEFAULTED_ATTRIBUTE.name]: DEFAULTED_ATTRIBUTE.value };
      outs[i] = { ...o, prediction: { ...o.prediction, attributes } };
    });
  }
}
