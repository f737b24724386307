/**
 * The series names the scorer's /metrics carries, from its own metric definitions: the registry built
 * as the service builds it (ScorerMetrics, with the process metrics, and the pipeline's), listed, each
 * histogram with the _bucket, _sum and _count series Prometheus stores for it. A new class that registers
 * metrics of its own on the registry belongs here too, or panels on its metrics fail the check.
 */
import { ScorerMetrics } from '../../src/observability/metrics.ts';
import { PromPipelineMetrics } from '../../src/observability/pipeline-metrics.ts';

/** Series Prometheus itself writes for every scrape target (its documentation's "automatically generated labels and time series"). */
export const PROMETHEUS_SERIES: ReadonlySet<string> = new Set([
  'up',
  'scrape_duration_seconds',
  'scrape_samples_scraped',
  'scrape_samples_post_metric_relabeling',
  'scrape_series_added',
]);

const HISTOGRAM_SERIES = ['_bucket', '_sum', '_count'];

export async function exportedSeriesNames(): Promise<ReadonlySet<string>> {
  const metrics = new ScorerMetrics({ version: 'listing' });
  // Registers its own metrics (scorer_events_uncommitted) on the same registry; the pool is only read when recording.
  new PromPipelineMetrics(metrics, { threads: 1, busy: 0, workerRestarts: 0, batchRetries: 0 });
  const names = new Set<string>();
  for (const { name, type } of await metrics.registry.getMetricsAsJSON()) {
    // prom-client types `type` as an enum; the JSON holds its string value.
    for (const suffix of String(type) === 'histogram' ? HISTOGRAM_SERIES : ['']) names.add(name + suffix);
  }
  return names;
}
