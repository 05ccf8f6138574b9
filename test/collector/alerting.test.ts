import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import { afterAll, describe, expect, it } from 'vitest';
import { readAlertRules, readRules } from './queries.js';
import { COLLECTOR, ROOT, runTool } from './tools.js';

const RULES = 'collector/prometheus/rules/queuetel-alerts.yml';
const RULE_TESTS = 'collector/prometheus/tests/queuetel-alerts.test.yml';
const scratch = mkdtempSync(join(tmpdir(), 'queuetel-alerting-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** The list of alerts, by the names the rules give them. */
const REQUIRED_ALERTS = {
  'high queue depth': 'QueuetelQueueDepthHigh',
  'oldest job too old (stale queue)': 'QueuetelQueueStale',
  'failure rate over a threshold': 'QueuetelFailureRateHigh',
  'no active workers': 'QueuetelNoActiveWorkers',
  'dead-letter queue growing': 'QueuetelDeadLetterGrowing',
  'queue-health collector down': 'QueuetelCollectorDown',
  'queue-health collector stale': 'QueuetelCollectorStale',
  'label overflow': 'QueuetelLabelOverflow',
};

describe('Prometheus alert rules', () => {
  const rules = readAlertRules();

  it('pass promtool check rules', () => {
    const run = runTool('promtool', ['check', 'rules', RULES]);
    expect(run.code, run.output).toBe(0);
    expect(run.output).toContain(`SUCCESS: ${readRules().length} rules found`);
  });

  it('pass promtool test rules: each alert fires on its faulty series and stays silent on the healthy ones', () => {
    const run = runTool('promtool', ['test', 'rules', RULE_TESTS]);
    expect(run.code, run.output).toBe(0);
    expect(run.output).toContain('SUCCESS');
  });

  it.each(Object.entries(REQUIRED_ALERTS))('include an alert for %s', (_, alert) => {
    expect(rules.map((rule) => rule.alert)).toContain(alert);
  });

  it('have a unit test for every alert, both silent and firing', () => {
    const tests = parse(readFileSync(`${ROOT}${RULE_TESTS}`, 'utf8')) as {
      tests: { alert_rule_test: { alertname: string; exp_alerts: unknown[] }[] }[];
    };
    const cases = tests.tests.flatMap((test) => test.alert_rule_test);
    for (const { alert } of rules) {
      const own = cases.filter((c) => c.alertname === alert);
      expect(
        own.some((c) => c.exp_alerts.length === 0),
        `${alert} silent`,
      ).toBe(true);
      expect(
        own.some((c) => c.exp_alerts.length > 0),
        `${alert} firing`,
      ).toBe(true);
    }
  });

  it('give every alert a severity the routes know and a runbook entry in docs/runbook.md', () => {
    const runbook = readFileSync(`${ROOT}docs/runbook.md`, 'utf8');
    for (const rule of rules) {
      expect(['critical', 'warning'], rule.alert).toContain(rule.labels.severity);
      expect(rule.annotations.summary, rule.alert).toBeTruthy();
      expect(rule.annotations.runbook_url).toBe(`docs/runbook.md#${rule.alert.toLowerCase()}`);
      expect(runbook, rule.alert).toMatch(new RegExp(`^### ${rule.alert}$`, 'm'));
    }
  });

  it('are loaded by a Prometheus config that promtool accepts', () => {
    // The config names the rules by their path in the container; point it at the repository's.
    const config = parse(readFileSync(`${COLLECTOR}prometheus/prometheus.yml`, 'utf8')) as {
      rule_files: string[];
    };
    expect(config.rule_files).toEqual(['/etc/prometheus/rules/*.yml']);
    config.rule_files = [`${COLLECTOR}prometheus/rules/*.yml`];
    const file = join(scratch, 'prometheus.yml');
    writeFileSync(file, stringify(config));
    const run = runTool('promtool', ['check', 'config', file]);
    expect(run.code, run.output).toBe(0);
    expect(run.output).toContain(`SUCCESS: ${readRules().length} rules found`);
  });
});

describe('Alertmanager config', () => {
  const config = parse(readFileSync(`${COLLECTOR}alertmanager/alertmanager.yml`, 'utf8')) as {
    templates: string[];
    route: { receiver: string; routes: { matchers?: string[]; receiver: string; continue?: boolean }[] };
    receivers: { name: string; email_configs?: unknown[]; webhook_configs?: unknown[] }[];
  };

  it('passes amtool check-config, with its templates loaded', () => {
    expect(config.templates).toEqual(['/etc/alertmanager/templates/*.tmpl']);
    config.templates = [`${COLLECTOR}alertmanager/templates/*.tmpl`];
    const file = join(scratch, 'alertmanager.yml');
    writeFileSync(file, stringify(config));
    const run = runTool('amtool', ['check-config', file]);
    expect(run.code, run.output).toBe(0);
    expect(run.output).toContain('- 1 templates');
    expect(run.output).toContain('- 2 receivers');
  });

  it('renders its notification templates', () => {
    for (const name of ['queuetel.subject', 'queuetel.email.text', 'queuetel.email.html']) {
      const run = runTool('amtool', [
        'template',
        'render',
        `--template.glob=${COLLECTOR}alertmanager/templates/queuetel.tmpl`,
        `--template.text={{ template "${name}" . }}`,
      ]);
      expect(run.code, run.output).toBe(0);
      expect(run.output.trim().length, name).toBeGreaterThan(0);
    }
  });

  it('mails every alert and also texts the critical ones through the SMS webhook', () => {
    const receiver = (name: string) => config.receivers.find((r) => r.name === name);
    expect(receiver(config.route.receiver)?.email_configs).toHaveLength(1);
    const [sms, rest] = config.route.routes;
    expect(sms?.matchers).toEqual(['severity="critical"']);
    expect(sms?.continue).toBe(true);
    expect(receiver(sms!.receiver)?.webhook_configs).toHaveLength(1);
    expect(receiver(rest!.receiver)?.email_configs).toHaveLength(1);
  });

  it('routes each alert as its severity says', () => {
    // amtool config routes test: which receivers an alert with these labels reaches.
    const routeOf = (labels: string[]) => {
      const run = runTool('amtool', [
        'config',
        'routes',
        'test',
        `--config.file=${COLLECTOR}alertmanager/alertmanager.yml`,
        ...labels,
      ]);
      expect(run.code, run.output).toBe(0);
      // The receivers on the first line; amtool may add a warning below it.
      return run.output.split('\n')[0]!.trim();
    };
    expect(routeOf(['alertname=QueuetelQueueStale', 'severity=critical'])).toBe('sms,email');
    expect(routeOf(['alertname=QueuetelQueueDepthHigh', 'severity=warning'])).toBe('email');
  });
});
