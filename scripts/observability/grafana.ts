/**
 * Panel specs to a Grafana dashboard (JSON model, schema version 39: Grafana 10.2 and newer). Pure: the
 * layout is computed here (rows top to bottom, panels left to right, wrapping at Grafana's 24 columns),
 * so a panel is added by adding its spec, not by placing it by hand.
 */

export interface Query {
  readonly expr: string;
  /** Grafana's legend format: `{{label}}` stands for a label's value. */
  readonly legend: string;
}

export interface PanelSpec {
  readonly title: string;
  /** Shown as the panel's tooltip: what it shows and how to read it. */
  readonly description: string;
  /** A Grafana unit id: s, ops, short, percentunit... */
  readonly unit: string;
  readonly queries: readonly Query[];
  /** Stack the series (parts of one whole, such as paused partitions by reason). */
  readonly stacked?: boolean;
  /** Columns out of 24; 12 (half the width) when absent. */
  readonly width?: number;
}

export interface RowSpec {
  readonly title: string;
  readonly panels: readonly PanelSpec[];
}

export interface DashboardSpec {
  readonly uid: string;
  readonly title: string;
  readonly rows: readonly RowSpec[];
}

const PANEL_HEIGHT = 8;
const COLUMNS = 24;
/** Every panel asks the data source the dashboard's variable names, so an imported copy can point at any Prometheus. */
// biome-ignore lint/suspicious/noTemplateCurlyInString: Grafana's variable syntax, for Grafana to expand
const DATASOURCE = { type: 'prometheus', uid: '${datasource}' } as const;

type Json = Record<string, unknown>;

export function grafanaDashboard(spec: DashboardSpec): Json {
  const panels: Json[] = [];
  let y = 0;
  let id = 1;
  for (const row of spec.rows) {
    panels.push({ type: 'row', id: id++, title: row.title, collapsed: false, gridPos: { h: 1, w: COLUMNS, x: 0, y }, panels: [] });
    y += 1;
    let x = 0;
    for (const panel of row.panels) {
      const w = panel.width ?? COLUMNS / 2;
      if (x + w > COLUMNS) {
        x = 0;
        y += PANEL_HEIGHT;
      }
      panels.push(timeseries(panel, id++, { h: PANEL_HEIGHT, w, x, y }));
      x += w;
    }
    if (x > 0) y += PANEL_HEIGHT;
  }
  return {
    uid: spec.uid,
    title: spec.title,
    tags: ['stream-scorer'],
    timezone: 'browser',
    editable: true,
    schemaVersion: 39,
    version: 1,
    refresh: '10s',
    time: { from: 'now-1h', to: 'now' },
    annotations: { list: [] },
    templating: {
      list: [{ type: 'datasource', name: 'datasource', label: 'Prometheus', query: 'prometheus', hide: 0, refresh: 1, current: {} }],
    },
    panels,
  };
}

function timeseries(panel: PanelSpec, id: number, gridPos: Json): Json {
  return {
    type: 'timeseries',
    id,
    title: panel.title,
    description: panel.description,
    datasource: DATASOURCE,
    gridPos,
    fieldConfig: {
      defaults: {
        unit: panel.unit,
        custom: { drawStyle: 'line', lineWidth: 1, fillOpacity: panel.stacked ? 30 : 0, stacking: { mode: panel.stacked ? 'normal' : 'none' } },
      },
      overrides: [],
    },
    options: { legend: { displayMode: 'list', placement: 'bottom', showLegend: true }, tooltip: { mode: 'multi', sort: 'desc' } },
    targets: panel.queries.map((q, i) => ({ refId: String.fromCharCode(65 + i), datasource: DATASOURCE, expr: q.expr, legendFormat: q.legend })),
  };
}
