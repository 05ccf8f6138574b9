/**
 * Writes collector/grafana/dashboards/queuetel.json from scripts/dashboard/queuetel-dashboard.ts.
 * `npm run dashboard` rewrites it; scripts/dashboard/generate.test.ts fails while the committed
 * file is not what the code produces.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as prettier from 'prettier';
import { queuetelDashboard } from './queuetel-dashboard.js';

export const DASHBOARD_FILE = fileURLToPath(
  new URL('../../collector/grafana/dashboards/queuetel.json', import.meta.url),
);

/** The dashboard's JSON as it should be committed: formatted as the rest of the repository. */
export async function dashboardJson(): Promise<string> {
  const config = (await prettier.resolveConfig(DASHBOARD_FILE)) ?? {};
  return prettier.format(JSON.stringify(queuetelDashboard()), { ...config, filepath: DASHBOARD_FILE });
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const wanted = await dashboardJson();
  if (readFileSync(DASHBOARD_FILE, 'utf8') === wanted) console.log('The dashboard is up to date.');
  else {
    writeFileSync(DASHBOARD_FILE, wanted);
    console.log(`Rewrote ${relative(process.cwd(), DASHBOARD_FILE)}`);
  }
}
