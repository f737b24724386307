import assert from 'node:assert/strict';
import { test } from 'node:test';
import { metricNames } from '../../../../scripts/observability/promql.ts';

const cases: [string, string[]][] = [
  ['scorer_paused_partitions', ['scorer_paused_partitions']],
  ['sum by (topic) (rate(scorer_events_consumed_total{topic=~"pay.*"}[$__rate_interval]))', ['scorer_events_consumed_total']],
  ['histogram_quantile(0.99, sum by (le, model) (rate(scorer_inference_seconds_bucket[5m])))', ['scorer_inference_seconds_bucket']],
  ['sum(rate(a_total[5m])) / (sum(rate(a_total[5m])) + sum(rate(b_total[5m]))) > 0.01', ['a_total', 'b_total']],
  ['max by (topic, partition) (lag_seconds) == +Inf and on (topic) group_left (model) info offset 10m', ['lag_seconds', 'info']],
  ['sum without (instance) (x) unless ignoring (reason) y or bool z', ['x', 'y', 'z']],
  ['label_replace(up{job="stream-scorer"}, "dst", "$1", "instance", "(.*):9464")', ['up']],
  ['deriv(job:lag:sum[10m:1m]) > 1e3 and count(up) > 0', ['job:lag:sum', 'up']],
  // biome-ignore lint/suspicious/noTemplateCurlyInString: Grafana's variable syntax, as a dashboard holds it
  ['sum(rate(x_total[${__range}])) > $threshold', ['x_total']],
];

for (const [expr, names] of cases) {
  test(`metric names in ${expr}`, () => assert.deepEqual(metricNames(expr), names));
}
