import { afterAll, beforeAll, describe, it } from 'vitest';
import type { TestDatabase } from '../harness/database.js';
import { createPgmqDatabase } from '../harness/pgmq.js';
import { expectEveryQueryAnswered, expectWorkloadCounted } from './harness/checks.js';
import { Scratch } from './harness/config.js';
import { startJaeger } from './harness/jaeger.js';
import type { StackProcess } from './harness/process.js';
import { startPrometheus, type RunningPrometheus } from './harness/prometheus.js';
import { startWorker, type RunningWorker } from './harness/worker.js';
import { runWorkload } from './harness/workload.js';

/**
 * "Any OTLP backend", with no collector at all: workers export their metrics with startTelemetry()
 * straight to Prometheus 3's own OTLP receiver, and their traces straight to Jaeger. The dashboard,
 * the rules and the runbook must work on what Prometheus makes of OTLP by itself, with its default
 * translation (service.name as `job`, service.instance.id as `instance`, units and `_total` as
 * suffixes). There is no log store in this set-up, so the workers' log export is off
 * (OTEL_LOGS_EXPORTER=none), as docs/collector.md tells such a deployment to do.
 */

// The workers do not fetch pg-boss's job metadata, so a pg-boss retry has no wait time (docs/pg-boss.md).
// The queue-health collector reports a dead-letter queue's depth for pg-boss, which records the
// relation; pgmq does not (docs/queue-health.md).
const SYSTEMS = {
  'pg-boss': {
    service: 'otlp-pgboss',
    queue: 'signup',
    deadLetter: 'signup_dead',
    waitTimes: 'first attempts',
    reportsDeadLetter: true,
  },
  pgmq: {
    service: 'otlp-pgmq',
    queue: 'invoice',
    deadLetter: 'invoice_dead',
    waitTimes: 'every attempt',
    reportsDeadLetter: false,
  },
} as const;
type System = keyof typeof SYSTEMS;

const scratch = new Scratch();
const processes: StackProcess[] = [];
let db: TestDatabase;
let prometheus: RunningPrometheus;
const workers = {} as Record<System, RunningWorker>;

beforeAll(async () => {
  db = await createPgmqDatabase('stack_otlp');
  const jaeger = await startJaeger('jaeger', scratch);
  processes.push(jaeger.process);
  prometheus = await startPrometheus('prometheus-3-otlp', scratch, { program: 'prometheus3', otlp: true });
  processes.push(prometheus.process);
  for (const system of Object.keys(SYSTEMS) as System[]) {
    workers[system] = await startWorker(`worker-${system}`, {
      system,
      databaseUrl: db.url,
      ...SYSTEMS[system],
      // One queue-health collector for the database, which holds both systems' queues.
      health: system === 'pg-boss',
      otel: {
        OTEL_EXPORTER_OTLP_METRICS_ENDPOINT: `${prometheus.url}/api/v1/otlp/v1/metrics`,
        OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: `${jaeger.otlpHttp}/v1/traces`,
        OTEL_LOGS_EXPORTER: 'none',
      },
    });
    processes.push(workers[system].process);
  }
  await Promise.all(Object.values(workers).map((worker) => runWorkload(worker)));
}, 180_000);

afterAll(async () => {
  for (const process of processes.reverse()) await process.stop();
  await db?.drop();
  scratch.remove();
});

describe("metrics in Prometheus 3's own OTLP receiver, no collector", () => {
  it.each(Object.keys(SYSTEMS) as System[])('count the %s workload as it ran', async (system) => {
    const { service, queue, waitTimes, deadLetter, reportsDeadLetter } = SYSTEMS[system];
    await expectWorkloadCounted(prometheus, service, queue, {
      waitTimes,
      ...(reportsDeadLetter ? { deadLetterQueue: deadLetter } : {}),
    });
  });

  it('answer every query of the dashboard, the alert rules and the runbook with data', async () => {
    await expectEveryQueryAnswered(prometheus, [SYSTEMS['pg-boss'].queue, SYSTEMS.pgmq.queue]);
  });
});
