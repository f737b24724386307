/** PromQL shapes the dashboard's panels share, so that a panel reads as what it shows. */
import type { Query } from './grafana.ts';

/** Per-second rate of a counter, summed by the given labels; Grafana picks the window from the scrape interval. */
export function perSecond(counter: string, by: string, legend: string): Query {
  return { expr: `sum by (${by}) (rate(${counter}[$__rate_interval]))`, legend };
}

/** Percentiles of a histogram over every replica, one line per percentile (and per `by` label, when given). */
export function percentiles(histogram: string, percents: readonly number[], by?: string): Query[] {
  const labels = by === undefined ? 'le' : `le, ${by}`;
  return percents.map((p) => ({
    expr: `histogram_quantile(${p / 100}, sum by (${labels}) (rate(${histogram}_bucket[$__rate_interval])))`,
    legend: by === undefined ? `p${p}` : `p${p} {{${by}}}`,
  }));
}

/** A histogram's mean over the window, by a label: its sum's rate over its count's. */
export function mean(histogram: string, by: string, legend: string): Query {
  const r = (series: string) => `sum by (${by}) (rate(${histogram}_${series}[$__rate_interval]))`;
  return { expr: `${r('sum')} / ${r('count')}`, legend };
}
