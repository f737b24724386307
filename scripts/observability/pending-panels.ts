/**
 * Panels for metrics other parts of issue 11 are adding (drift), kept out of the
 * dashboard until the scorer exports them, so the reference check passes meanwhile. When they land: add
 * the row to DASHBOARD.rows in panels.ts, take its names out of AWAITED, and run `npm run dashboards`.
 */
import type { RowSpec } from './grafana.ts';

/** Names the pending panels and rules may use before the scorer exports them. */
export const AWAITED: ReadonlySet<string> = new Set(['scorer_feature_psi', 'scorer_feature_missing_ratio']);

export const DRIFT: RowSpec = {
  title: 'Drift',
  panels: [
    {
      title: 'Feature drift (PSI)',
      description: 'Population stability index of each feature over the sliding window against its training statistics; above 0.2 is a shift worth a look.',
      unit: 'short',
      queries: [{ expr: 'max by (model, feature) (scorer_feature_psi)', legend: '{{model}} {{feature}}' }],
    },
    {
      title: 'Missing or defaulted features',
      description: 'Share of records in the window whose feature was missing or took its default, by model and feature.',
      unit: 'percentunit',
      queries: [{ expr: 'max by (model, feature) (scorer_feature_missing_ratio)', legend: '{{model}} {{feature}}' }],
    },
  ],
};

export const PENDING_ROWS: readonly RowSpec[] = [DRIFT];
