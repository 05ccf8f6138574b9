import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { COLLECTOR } from './tools.js';

/** A PromQL expression the stack runs, and where it comes from. */
export interface Query {
  readonly source: string;
  readonly expr: string;
}

/**
 * The values the dashboard's variables take when its queries are checked: every queue and
 * service, `$group_by` on the domain label the end-to-end test declares, and a rate window.
 */
export const VARIABLE_VALUES: Readonly<Record<string, string>> = {
  service: '.*',
  system: '.*',
  schema: '.*',
  queue: '.*',
  group_by: 'project',
  __rate_interval: '1m',
};

export function substituteVariables(expr: string): string {
  // `$1` in a label_replace() is PromQL's own, not a variable.
  return expr.replace(/\$\{(\w+)\}|\$([a-zA-Z_]\w*)/g, (match, braced?: string, bare?: string) => {
    const value = VARIABLE_VALUES[(braced ?? bare)!];
    if (value === undefined) throw new Error(`unknown dashboard variable ${match} in ${expr}`);
    return value;
  });
}

export interface DashboardPanel {
  id: number;
  type: string;
  title: string;
  datasource?: { type: string; uid: string };
  targets?: { expr: string; refId: string; datasource?: { uid: string } }[];
}

export interface Dashboard {
  uid: string;
  title: string;
  refresh: string;
  panels: DashboardPanel[];
  templating: { list: { type: string; name: string; query?: unknown; datasource?: unknown }[] };
}

export function readDashboard(): Dashboard {
  return JSON.parse(readFileSync(`${COLLECTOR}grafana/dashboards/queuetel.json`, 'utf8')) as Dashboard;
}

/** Every panel query of the dashboard, with its variables given their check values. */
export function dashboardQueries(dashboard = readDashboard()): Query[] {
  const queries = dashboard.panels.flatMap((panel) =>
    (panel.targets ?? []).map((target) => ({
      source: `dashboard panel ${panel.id} "${panel.title}" ${target.refId}`,
      expr: substituteVariables(target.expr),
    })),
  );
  // The variables' label_values(selector, label) queries: the selector part is PromQL.
  for (const variable of dashboard.templating.list) {
    const query = (variable.query as { query?: string } | undefined)?.query;
    const match = query && /^label_values\((.+),\s*(\w+)\)$/.exec(query);
    if (match) {
      const label = match[2]!;
      queries.push({
        source: `dashboard variable $${variable.name}`,
        expr: `count by (${label}) (${substituteVariables(match[1]!)})`,
      });
    }
  }
  return queries;
}

export interface AlertRule {
  alert: string;
  expr: string;
  for?: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
}

/** A recording rule: a series Prometheus computes for the alerts to read. */
export interface RecordingRule {
  record: string;
  expr: string;
}

/** Every rule of the shipped rule file, recording rules and alerts, in its order. */
export function readRules(): (AlertRule | RecordingRule)[] {
  const file = parse(readFileSync(`${COLLECTOR}prometheus/rules/queuetel-alerts.yml`, 'utf8')) as {
    groups: { name: string; rules: (AlertRule | RecordingRule)[] }[];
  };
  return file.groups.flatMap((group) => group.rules);
}

export function readAlertRules(): AlertRule[] {
  return readRules().filter((rule): rule is AlertRule => 'alert' in rule);
}

/** The expression of every rule, recording rules included: each must find the series it reads. */
export function alertQueries(): Query[] {
  return readRules().map((rule) => ({
    source: 'alert' in rule ? `alert ${rule.alert}` : `record ${rule.record}`,
    expr: rule.expr,
  }));
}
