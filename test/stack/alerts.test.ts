import { PgBoss } from 'pg-boss';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startQueueHealth, type QueueHealth } from '@queuetel/health';
import { startTelemetry, type Telemetry } from '@queuetel/node';
import { instrumentPgBoss } from '@queuetel/pg-boss';
import { createTestDatabase, type TestDatabase } from '../harness/database.js';
import { eventually } from '../harness/pg-boss.js';
import { startAlertmanager, startWebhook, type Notification, type Webhook } from './harness/alertmanager.js';
import { startAgent, type RunningCollector } from './harness/collector.js';
import { Scratch } from './harness/config.js';
import { freeAddress, type StackProcess } from './harness/process.js';
import { startPrometheus, type RunningPrometheus } from './harness/prometheus.js';
import { rulesWithTimeScaled } from './harness/rules.js';

/**
 * The bundled alert rules, loaded by the real Prometheus, fire on provoked conditions and reach a
 * webhook through the real Alertmanager, routed and grouped as collector/alertmanager/alertmanager.yml
 * says; they resolve when the condition ends.
 *
 * Timing is the one thing changed besides addresses: the rules' durations (`for`, range windows)
 * are divided by TIME_DIVISOR, Prometheus evaluates and sends firing alerts again every second
 * (shipped: 15 s, and 1 m by default), Alertmanager waits 1 s before a
 * group's first notification and 2 s between updates, and this process exports metrics every
 * second. Thresholds, labels, routes, grouping and inhibition are the shipped ones.
 */

const TIME_DIVISOR = 30;
const SERVICE = 'stack-alerts';
const SCHEMA = 'pgboss_alerts';
/** A queue with no worker and more than the 1000 jobs QueuetelQueueDepthHigh allows. */
const BACKLOG = { queue: 'backlog', jobs: 1001 } as const;
/** A queue whose handler fails one job in four; failed jobs go to FLAKY_DEAD. */
const FLAKY = 'flaky';
const FLAKY_DEAD = 'flaky_dead';
const FLAKY_JOBS = 300;
/** How long each flaky job's handler works: spreads the load over time, as real work does. */
const FLAKY_WORK_MS = 80;

const scratch = new Scratch();
const processes: StackProcess[] = [];
let db: TestDatabase;
let webhook: Webhook;
let agent: RunningCollector;
let prometheus: RunningPrometheus;
let telemetry: Telemetry;
let health: QueueHealth;
let boss: PgBoss;

beforeAll(async () => {
  db = await createTestDatabase('stack_alerts');
  webhook = await startWebhook();
  // Alerts come from metrics alone; the agent's trace exporter points at an address nothing listens on.
  agent = await startAgent('collector', scratch, await freeAddress());
  processes.push(agent.process);
  const alertmanager = await startAlertmanager(scratch, webhook, { group_wait: '1s', group_interval: '2s' });
  processes.push(alertmanager.process);

  telemetry = startTelemetry({
    serviceName: SERVICE,
    endpoint: agent.otlpHttp,
    metricExportIntervalMillis: 1000,
  });
  boss = new PgBoss({ connectionString: db.url, schema: SCHEMA, schedule: false });
  boss.on('error', () => {});
  await boss.start();
  await boss.createQueue(BACKLOG.queue);
  await boss.createQueue(FLAKY_DEAD);
  await boss.createQueue(FLAKY, { retryLimit: 0, deadLetter: FLAKY_DEAD });
  health = startQueueHealth({
    connectionString: db.url,
    pgBossSchemas: [SCHEMA],
    pgmq: false,
    intervalSeconds: 1,
  });

  // Prometheus starts once the queue-health gauges are at the collector: before that,
  // QueuetelCollectorDown would rightly fire and inhibit the queue alerts.
  await eventually(async () => {
    const metrics = await (await fetch(`http://${agent.prometheus}/metrics`)).text();
    expect(metrics).toContain('queuetel_collector_staleness_seconds');
  }, 30_000);
  prometheus = await startPrometheus('prometheus', scratch, {
    program: 'prometheus',
    scrape: agent.prometheus!,
    alertmanager: alertmanager.address,
    ruleFiles: [scratch.write('queuetel-alerts.yml', rulesWithTimeScaled(TIME_DIVISOR))],
    alertTimings: { evaluationInterval: '1s', resendDelay: '1s' },
  });
  processes.push(prometheus.process);
}, 120_000);

afterAll(async () => {
  await boss?.stop({ graceful: false, timeout: 2000 });
  await health?.stop();
  await telemetry?.shutdown();
  for (const process of processes.reverse()) await process.stop();
  await webhook?.close();
  await db?.drop();
  scratch.remove();
});

function notifications(alertname: string, receiver: string, status: 'firing' | 'resolved'): Notification[] {
  return webhook.received.filter(
    (n) => n.receiver === receiver && n.status === status && n.groupLabels.alertname === alertname,
  );
}

async function notified(
  alertname: string,
  receiver: string,
  status: 'firing' | 'resolved',
): Promise<Notification> {
  return eventually(() => {
    const [first] = notifications(alertname, receiver, status);
    expect(first, `${status} ${alertname} to ${receiver}`).toBeDefined();
    return first!;
  }, 90_000);
}

describe('the bundled alert rules through Alertmanager', () => {
  it('page on a backlog with no live worker, and resolve once a worker works it off', async () => {
    await boss.insert(
      BACKLOG.queue,
      Array.from({ length: BACKLOG.jobs }, (_, i) => ({ data: { i } })),
    );

    // Critical: SMS and e-mail. Warning: e-mail only.
    const noWorker = await notified('QueuetelNoActiveWorkers', 'sms', 'firing');
    expect(noWorker.groupLabels).toMatchObject({ messaging_destination_name: BACKLOG.queue });
    expect(noWorker.commonLabels).toMatchObject({ severity: 'critical', queuetel_queue_schema: SCHEMA });
    await notified('QueuetelNoActiveWorkers', 'email', 'firing');
    const depth = await notified('QueuetelQueueDepthHigh', 'email', 'firing');
    expect(depth.groupLabels).toMatchObject({
      alertname: 'QueuetelQueueDepthHigh',
      messaging_destination_name: BACKLOG.queue,
    });
    expect(depth.commonLabels.severity).toBe('warning');

    // The condition ends: a worker starts and works the queue off.
    await boss.work(BACKLOG.queue, { batchSize: 200, pollingIntervalSeconds: 0.5 }, async () => {});
    await notified('QueuetelQueueDepthHigh', 'email', 'resolved');
    await notified('QueuetelNoActiveWorkers', 'email', 'resolved');
    // The SMS route sends no resolved messages (send_resolved: false), and warnings never go to it.
    expect(webhook.received.filter((n) => n.receiver === 'sms' && n.status === 'resolved')).toEqual([]);
    expect(notifications('QueuetelQueueDepthHigh', 'sms', 'firing')).toEqual([]);
  }, 150_000);

  it('page on a failure rate over 5 %, warn of a growing dead-letter queue, and resolve both', async () => {
    const queuetel = instrumentPgBoss(boss);
    await boss.work(
      FLAKY,
      // Batches of 10, each job in turn: pg-boss waits its polling interval between fetches, and
      // the rule wants at least 20 attempts in its window.
      { batchSize: 10, pollingIntervalSeconds: 0.5 },
      queuetel.eachJob(async (job: { data: { fail: boolean } }) => {
        await new Promise((resolve) => setTimeout(resolve, FLAKY_WORK_MS));
        if (job.data.fail) throw new Error('flaky dependency');
      }),
    );
    await boss.insert(
      FLAKY,
      Array.from({ length: FLAKY_JOBS }, (_, i) => ({ data: { fail: i % 4 === 0 } })),
    );

    const failing = await notified('QueuetelFailureRateHigh', 'sms', 'firing');
    expect(failing.groupLabels).toMatchObject({ job: SERVICE, messaging_destination_name: FLAKY });
    await notified('QueuetelFailureRateHigh', 'email', 'firing');
    const deadLetters = await notified('QueuetelDeadLetterGrowing', 'email', 'firing');
    expect(deadLetters.commonLabels).toMatchObject({
      queuetel_dead_letter_name: FLAKY_DEAD,
      severity: 'warning',
    });

    // The load ends once every job is worked off; both conditions end with it.
    await notified('QueuetelFailureRateHigh', 'email', 'resolved');
    await notified('QueuetelDeadLetterGrowing', 'email', 'resolved');
  }, 150_000);

  it('leave the alerts of healthy conditions silent', () => {
    const fired = new Set(webhook.received.map((n) => n.groupLabels.alertname));
    for (const silent of [
      'QueuetelQueueStale',
      'QueuetelLabelOverflow',
      'QueuetelMetricOverflow',
      'QueuetelCollectorStale',
    ]) {
      expect(fired.has(silent), silent).toBe(false);
    }
  });
});
