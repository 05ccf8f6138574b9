import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { afterAll, describe, expect, it } from 'vitest';
import { parsesAsPromql } from './promql.js';
import { dashboardQueries, readDashboard } from './queries.js';
import { runTool } from './tools.js';

const dashboard = readDashboard();
const panels = dashboard.panels.filter((panel) => panel.type !== 'row');
const scratch = mkdtempSync(join(tmpdir(), 'queuetel-dashboard-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** The list of panels, by the titles the dashboard gives them. */
const REQUIRED_PANELS = {
  'depth by state': 'Depth by state',
  'oldest-job age': 'Oldest-job age',
  throughput: 'Throughput',
  'error rate by error.type': 'Failed attempts by error.type',
  'error rate by domain label': 'Failure ratio by $group_by',
  'p50/p95/p99 processing time': 'Processing time p50 / p95 / p99',
  'p50/p95/p99 wait time': 'Wait time p50 / p95 / p99',
  'retries and dead-letters': 'Retries and dead-letters',
  'live workers': 'Live workers',
  'label overflow': 'Label values folded',
};

describe('the Grafana dashboard', () => {
  it.each(Object.entries(REQUIRED_PANELS))('has a panel for %s', (_, title) => {
    expect(panels.map((panel) => panel.title)).toContain(title);
  });

  it('filters by service, system and queue, breaks down by a chosen domain label, and takes ad hoc label filters', () => {
    const variables = Object.fromEntries(dashboard.templating.list.map((v) => [v.name, v.type]));
    expect(variables).toMatchObject({
      datasource: 'datasource',
      service: 'query',
      system: 'query',
      queue: 'query',
      group_by: 'textbox',
      filters: 'adhoc',
    });
  });

  it('selects every queue metric by the chosen queues', () => {
    for (const panel of panels) {
      for (const target of panel.targets ?? []) {
        if (!/queuetel_(job|queue|workers)_|messaging_(client|process)_/.test(target.expr)) continue;
        expect(target.expr, panel.title).toContain('messaging_destination_name=~"$queue"');
      }
    }
  });

  it('queries through the data source variable, so it can be imported into any Grafana', () => {
    for (const panel of panels) {
      expect(panel.datasource?.uid, panel.title).toBe('${datasource}');
      for (const target of panel.targets ?? []) expect(target.datasource?.uid).toBe('${datasource}');
    }
  });

  it('refreshes every 2 s, inside the 10 s budget from job to screen', () => {
    expect(dashboard.refresh).toBe('2s');
  });

  it('has unique panel ids and no panels on top of each other', () => {
    const ids = dashboard.panels.map((panel) => panel.id);
    expect(new Set(ids).size).toBe(ids.length);
    const boxes = dashboard.panels.map(
      (panel) => (panel as unknown as { gridPos: { x: number; y: number; w: number; h: number } }).gridPos,
    );
    boxes.forEach((a, i) =>
      boxes.slice(i + 1).forEach((b) => {
        const overlap = a.x < b.x + b.w && b.x < a.x + a.w && a.y < b.y + b.h && b.y < a.y + a.h;
        expect(overlap, `${JSON.stringify(a)} and ${JSON.stringify(b)}`).toBe(false);
      }),
    );
  });

  it('has queries that all parse as PromQL, for promtool and for the PromQL grammar', () => {
    const queries = dashboardQueries(dashboard);
    expect(queries.length).toBeGreaterThan(20);
    for (const query of queries) expect(parsesAsPromql(query.expr), query.source).toBe(true);
    // promtool parses rule expressions with Prometheus's own parser: one recording rule per query.
    const rules = {
      groups: [
        {
          name: 'dashboard-queries',
          rules: queries.map((query, i) => ({ record: `queuetel_dashboard:query_${i}`, expr: query.expr })),
        },
      ],
    };
    const file = join(scratch, 'dashboard-queries.yml');
    writeFileSync(file, stringify(rules));
    const run = runTool('promtool', ['check', 'rules', file]);
    expect(run.code, run.output).toBe(0);
    expect(run.output).toContain(`SUCCESS: ${queries.length} rules found`);
  });

  it('turns a malformed query into a failure of this check', () => {
    expect(parsesAsPromql('sum by (le (rate(queuetel_job_duration_seconds_bucket[1m]))')).toBe(false);
  });
});
