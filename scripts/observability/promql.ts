/**
 * The metric names a PromQL expression selects, for checking dashboards and alert rules against what the
 * scorer exports. Not a parser: it removes what can hold identifiers that are not metric names (strings,
 * label matchers, range and subquery brackets, the label lists of by/without/on/ignoring/group_*), then
 * takes the identifiers left that are neither functions (followed by a parenthesis) nor keywords.
 */

const KEYWORDS = new Set(['and', 'or', 'unless', 'bool', 'offset', 'by', 'without', 'on', 'ignoring', 'group_left', 'group_right', 'inf', 'nan']);

/** Grafana's dashboard variables ($__rate_interval, ${datasource}) stand for durations or label values, never for metrics. */
const GRAFANA_VARIABLE = /\$\{[^}]*\}|\$\w+/g;

export function metricNames(expr: string): string[] {
  const stripped = expr
    .replace(/"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|`[^`]*`/g, ' ')
    .replace(GRAFANA_VARIABLE, ' ')
    .replace(/\{[^}]*\}/g, ' ')
    .replace(/\[[^\]]*\]/g, ' ')
    .replace(/\b(?:by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/gi, ' ');
  const names = new Set<string>();
  for (const m of stripped.matchAll(/(?<![\w.:])([a-zA-Z_:][\w:]*)(\s*\()?/g)) {
    const [, name, call] = m;
    if (name === undefined || call !== undefined || KEYWORDS.has(name.toLowerCase())) continue;
    names.add(name);
  }
  return [...names];
}
