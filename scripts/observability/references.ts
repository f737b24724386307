/**
 * The PromQL a Grafana dashboard or a Prometheus rule file holds, each expression with where it is, and
 * the metric names among them that a set of known series names lacks.
 */
import { parse } from 'yaml';
import { metricNames } from './promql.ts';

export interface Located {
  /** File and panel or rule, for the failure message. */
  readonly where: string;
  readonly expr: string;
}

interface GrafanaPanel {
  title?: string;
  targets?: { expr?: string }[];
  panels?: GrafanaPanel[];
}

/** Every target's expression, rows' nested panels included (a collapsed row holds its panels). */
export function dashboardQueries(file: string, dashboard: { panels?: GrafanaPanel[] }): Located[] {
  const out: Located[] = [];
  const visit = (panels: readonly GrafanaPanel[]) => {
    for (const panel of panels) {
      for (const target of panel.targets ?? []) if (target.expr !== undefined) out.push({ where: `${file}: panel "${panel.title}"`, expr: target.expr });
      visit(panel.panels ?? []);
    }
  };
  visit(dashboard.panels ?? []);
  return out;
}

interface RuleFile {
  groups?: { name?: string; rules?: { alert?: string; record?: string; expr?: string }[] }[];
}

export function ruleQueries(file: string, text: string): Located[] {
  const parsed = parse(text) as RuleFile | null;
  return (parsed?.groups ?? []).flatMap((group) =>
    (group.rules ?? []).flatMap((rule) =>
      rule.expr === undefined ? [] : [{ where: `${file}: rule ${rule.alert ?? rule.record} (group ${group.name})`, expr: rule.expr }],
    ),
  );
}

/** "where: name" for each metric an expression selects that `known` does not have. */
export function unknownReferences(queries: readonly Located[], known: ReadonlySet<string>): string[] {
  return queries.flatMap(({ where, expr }) => metricNames(expr).flatMap((name) => (known.has(name) ? [] : [`${where}: ${name}`])));
}
