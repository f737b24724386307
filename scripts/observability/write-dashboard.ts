/**
 * `npm run dashboards`: writes the Grafana dashboard from panels.ts to the file Grafana's provisioning
 * loads. The unit check fails when the checked-in file and panels.ts disagree.
 */
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { grafanaDashboard } from './grafana.ts';
import { DASHBOARD } from './panels.ts';

export const DASHBOARD_FILE = fileURLToPath(new URL('../../deploy/observability/grafana/dashboards/stream-scorer.json', import.meta.url));

if (import.meta.main) {
  writeFileSync(DASHBOARD_FILE, `${JSON.stringify(grafanaDashboard(DASHBOARD), null, 2)}\n`);
  console.log(`wrote ${DASHBOARD_FILE}`);
}
