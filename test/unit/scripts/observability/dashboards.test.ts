/**
 * The dashboard and the alert rules name only series the scorer exports, by its own metric definitions
 * (scripts/observability/exported.ts), and the checked-in dashboard is the one panels.ts describes.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { test } from 'node:test';
import { exportedSeriesNames, PROMETHEUS_SERIES } from '../../../../scripts/observability/exported.ts';
import { grafanaDashboard } from '../../../../scripts/observability/grafana.ts';
import { DASHBOARD } from '../../../../scripts/observability/panels.ts';
import { dashboardQueries, type Located, ruleQueries, unknownReferences } from '../../../../scripts/observability/references.ts';
import { DASHBOARD_FILE } from '../../../../scripts/observability/write-dashboard.ts';
import { REPO_ROOT } from '../../../support/scorer-process.ts';

const OBSERVABILITY = join(REPO_ROOT, 'deploy/observability');

function rulesIn(dir: string): Located[] {
  const files = readdirSync(join(OBSERVABILITY, dir)).filter((f) => f.endsWith('.rules.yml'));
  assert.ok(files.length > 0, `rule files in deploy/observability/${dir}`);
  return files.flatMap((f) => ruleQueries(`deploy/observability/${dir}/${f}`, readFileSync(join(OBSERVABILITY, dir, f), 'utf8')));
}

const checkedIn = () => JSON.parse(readFileSync(DASHBOARD_FILE, 'utf8'));

async function queryable(): Promise<Set<string>> {
  return new Set([...(await exportedSeriesNames()), ...PROMETHEUS_SERIES]);
}

test('the checked-in dashboard is the one panels.ts describes (npm run dashboards writes it)', () => {
  assert.deepEqual(checkedIn(), grafanaDashboard(DASHBOARD));
});

test('every metric the dashboard and the loaded alert rules name is exported by the scorer', async () => {
  const queries = [...dashboardQueries(relative(REPO_ROOT, DASHBOARD_FILE), checkedIn()), ...rulesIn('rules')];
  assert.ok(queries.length >= 15, `${queries.length} expressions found`);
  assert.deepEqual(unknownReferences(queries, await queryable()), []);
});

test('a made-up metric, or a histogram named without its series suffix, is rejected and located', async () => {
  const dashboard = {
    panels: [
      { type: 'row', title: 'Row', panels: [{ title: 'Nested', targets: [{ expr: 'sum(rate(scorer_made_up_total[5m]))' }] }] },
      { title: 'Latency', targets: [{ expr: 'histogram_quantile(0.9, sum by (le) (rate(scorer_end_to_end_latency_seconds_bucket[5m])))' }] },
    ],
  };
  const rules = [
    'groups:',
    '  - name: g',
    '    rules:',
    '      - alert: Slow',
    '        expr: rate(scorer_inference_seconds_sum[5m]) / rate(scorer_inference_seconds[5m]) > 1',
  ].join('\n');
  const queries = [...dashboardQueries('fixture.json', dashboard), ...ruleQueries('fixture.rules.yml', rules)];
  assert.deepEqual(unknownReferences(queries, await queryable()), [
    'fixture.json: panel "Nested": scorer_made_up_total',
    'fixture.rules.yml: rule Slow (group g): scorer_inference_seconds',
  ]);
});
