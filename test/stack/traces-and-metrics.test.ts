import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PgBoss } from 'pg-boss';
import type { TestDatabase } from '../harness/database.js';
import { eventually } from '../harness/pg-boss.js';
import { createPgmqDatabase } from '../harness/pgmq.js';
import { startAgent, type RunningCollector } from './harness/collector.js';
import { Scratch } from './harness/config.js';
import { SPAN_KIND, startJaeger, type RunningJaeger, type StoredSpan } from './harness/jaeger.js';
import type { StackProcess } from './harness/process.js';
import { startPrometheus, type RunningPrometheus } from './harness/prometheus.js';
import { expectEveryQueryAnswered, expectWorkloadCounted } from './harness/checks.js';
import { startWorker, type RunningWorker } from './harness/worker.js';
import { measureFreshness, runWorkload, WORKLOAD, type WorkloadRun } from './harness/workload.js';

/**
 * The agent set-up of collector/ run for real: pg-boss and pgmq workers in processes of their own,
 * exporting with startTelemetry() to the collector built from collector/builder-config.yaml with
 * collector/otelcol.yaml; Jaeger v2 storing the traces; Debian's Prometheus 2 and Prometheus 3
 * scraping the collector with collector/prometheus/prometheus.yml. Only addresses are changed.
 */

// The workers do not fetch pg-boss's job metadata, so a pg-boss retry has no wait time (docs/pg-boss.md).
// The queue-health collector reports a dead-letter queue's depth for pg-boss, which records the
// relation; pgmq does not (docs/queue-health.md).
const SYSTEMS = {
  'pg-boss': {
    service: 'stack-pgboss',
    queue: 'signup',
    deadLetter: 'signup_dead',
    waitTimes: 'first attempts',
    reportsDeadLetter: true,
  },
  pgmq: {
    service: 'stack-pgmq',
    queue: 'invoice',
    deadLetter: 'invoice_dead',
    waitTimes: 'every attempt',
    reportsDeadLetter: false,
  },
} as const;
type System = keyof typeof SYSTEMS;
/** The 10 s budget from a job's completion to the dashboard (docs/collector.md). */
const BUDGET_MS = 10_000;
const FRESHNESS_ROUNDS = 3;

const scratch = new Scratch();
const processes: StackProcess[] = [];
let db: TestDatabase;
let jaeger: RunningJaeger;
let agent: RunningCollector;
const PROMETHEUSES = ['Prometheus 2 (Debian)', 'Prometheus 3'] as const;
const prometheus = {} as Record<(typeof PROMETHEUSES)[number], RunningPrometheus>;
const workers = {} as Record<System, RunningWorker>;
const runs = {} as Record<System, WorkloadRun>;
const freshness: number[] = [];

beforeAll(async () => {
  db = await createPgmqDatabase('stack');
  jaeger = await startJaeger('jaeger', scratch);
  processes.push(jaeger.process);
  agent = await startAgent('collector', scratch, jaeger.otlpGrpc);
  processes.push(agent.process);
  prometheus['Prometheus 2 (Debian)'] = await startPrometheus('prometheus-2', scratch, {
    program: 'prometheus',
    scrape: agent.prometheus!,
  });
  prometheus['Prometheus 3'] = await startPrometheus('prometheus-3', scratch, {
    program: 'prometheus3',
    scrape: agent.prometheus!,
  });
  processes.push(...Object.values(prometheus).map((p) => p.process));
  for (const system of Object.keys(SYSTEMS) as System[]) {
    workers[system] = await startWorker(`worker-${system}`, {
      system,
      databaseUrl: db.url,
      ...SYSTEMS[system],
      // One queue-health collector for the database, which holds both systems' queues.
      health: system === 'pg-boss',
      otel: { OTEL_EXPORTER_OTLP_ENDPOINT: agent.otlpHttp! },
    });
    processes.push(workers[system].process);
  }
  const [pgBossRun, pgmqRun] = await Promise.all([
    runWorkload(workers['pg-boss']),
    runWorkload(workers.pgmq),
  ]);
  runs['pg-boss'] = pgBossRun;
  runs.pgmq = pgmqRun;
  const completed = `sum(queuetel_job_outcomes_total{job="${SYSTEMS['pg-boss'].service}", queuetel_job_outcome="completed"})`;
  // Counted first, so that the rounds below each start from a settled total.
  await eventually(async () => {
    expect((await prometheus['Prometheus 2 (Debian)'].query(completed))[0]?.value).toBe(WORKLOAD.completed);
  }, 30_000);
  for (let round = 0; round < FRESHNESS_ROUNDS; round++) {
    freshness.push(
      await measureFreshness(workers['pg-boss'], prometheus['Prometheus 2 (Debian)'], completed),
    );
  }
  console.log(
    `job completion to Prometheus query (worker → collector → Prometheus 2 scrape): ${freshness
      .map((ms) => `${ms} ms`)
      .join(', ')}`,
  );
}, 240_000);

afterAll(async () => {
  for (const process of processes.reverse()) await process.stop();
  await db?.drop();
  scratch.remove();
});

/** A trace from Jaeger once it holds at least the given span names. */
async function traceWith(traceId: string, names: readonly string[]): Promise<StoredSpan[]> {
  return eventually(async () => {
    const spans = (await jaeger.trace(traceId)) ?? [];
    expect(spans.map((s) => s.name)).toEqual(expect.arrayContaining([...names]));
    return spans;
  }, 30_000);
}

describe.each(Object.keys(SYSTEMS) as System[])('traces of %s jobs in Jaeger', (system) => {
  const { queue, service } = SYSTEMS[system];

  it('keep the HTTP request, the send span and the process span related as the docs say', async () => {
    const { id, caller } = runs[system].completedJob;
    const spans = await traceWith(caller.traceId, ['POST /jobs', `send ${queue}`]);
    const request = spans.find((s) => s.name === 'POST /jobs')!;
    expect(request.kind).toBe(SPAN_KIND.server);
    expect(request.parentSpanId).toBe(caller.spanId);
    const send = spans.find((s) => s.name === `send ${queue}`)!;
    expect(send.kind).toBe(SPAN_KIND.producer);
    expect(send.parentSpanId).toBe(request.spanId);
    expect(send.resource['service.name']).toBe(service);
    expect(send.attributes).toMatchObject({
      'messaging.system': system,
      'messaging.destination.name': queue,
    });

    let processSpan: StoredSpan;
    if (system === 'pg-boss') {
      // docs/pg-boss.md: with pg-boss's built-in telemetry on, a batch of one continues the producer's trace.
      const withProcess = await traceWith(caller.traceId, [`process ${queue}`]);
      processSpan = withProcess.find((s) => s.name === `process ${queue}`)!;
      expect(processSpan.parentSpanId).toBe(send.spanId);
    } else {
      // docs/pgmq.md: producerRelationship `link` (the default) starts a new trace linked to the send.
      processSpan = await eventually(async () => {
        const found = await findProcessSpanLinkedTo(service, queue, send);
        expect(found).toBeDefined();
        return found!;
      }, 30_000);
      expect(processSpan.traceId).not.toBe(send.traceId);
      expect(processSpan.links).toContainEqual({ traceId: send.traceId, spanId: send.spanId });
    }
    expect(processSpan.kind).toBe(SPAN_KIND.consumer);
    expect(processSpan.attributes).toMatchObject({
      'messaging.system': system,
      'messaging.operation.name': 'process',
      'messaging.operation.type': 'process',
      'messaging.destination.name': queue,
      'messaging.message.id': id,
      'queuetel.job.attempt': 1,
      'queuetel.job.retry_count': 0,
      project: 'acme',
    });
    expect(typeof processSpan.attributes['queuetel.job.wait_time']).toBe('number');
    expect(processSpan.resource['service.name']).toBe(service);
  });
});

/** The process span of `queue` that links to `send`, found through Jaeger's trace search. */
async function findProcessSpanLinkedTo(
  service: string,
  queue: string,
  send: StoredSpan,
): Promise<StoredSpan | undefined> {
  const found = await jaeger.search(service, `process ${queue}`);
  return found.find((s) => s.name === `process ${queue}` && s.links.some((l) => l.spanId === send.spanId));
}

describe.each(PROMETHEUSES)('metrics in %s, scraped from the collector', (name) => {
  it.each(Object.keys(SYSTEMS) as System[])('count the %s workload as it ran', async (system) => {
    // The freshness rounds add completed pg-boss jobs after the workload.
    const extra = system === 'pg-boss' ? FRESHNESS_ROUNDS : 0;
    const { service, queue, waitTimes, deadLetter, reportsDeadLetter } = SYSTEMS[system];
    await expectWorkloadCounted(prometheus[name], service, queue, {
      extraCompleted: extra,
      waitTimes,
      ...(reportsDeadLetter ? { deadLetterQueue: deadLetter } : {}),
    });
  });

  it('answer every query of the dashboard, the alert rules and the runbook with data', async () => {
    await expectEveryQueryAnswered(prometheus[name], [SYSTEMS['pg-boss'].queue, SYSTEMS.pgmq.queue]);
  });
});

describe('freshness', () => {
  it(`shows a completed job in a Prometheus query within ${BUDGET_MS / 1000} s`, () => {
    expect(freshness).toHaveLength(FRESHNESS_ROUNDS);
    for (const ms of freshness) {
      expect(ms).toBeGreaterThan(0);
      expect(ms).toBeLessThanOrEqual(BUDGET_MS);
    }
  });
});

describe('logs', () => {
  it("reach the collector's logs pipeline, and no worker reports an export error", async () => {
    // Each handled job wrote one log record through the Logs API; the collector's debug exporter
    // counts what arrives, one line per batch.
    const written = Object.values(workers).reduce((sum, worker) => sum + worker.handled().length, 0);
    await eventually(() => {
      const batches = [...agent.process.output().matchAll(/"log records": (\d+)/g)];
      expect(batches.reduce((sum, batch) => sum + Number(batch[1]), 0)).toBe(written);
    }, 15_000);
    for (const worker of Object.values(workers)) {
      const diagnostics = worker.process
        .output()
        .split('\n')
        .filter((line) => line.trim() !== '' && !line.startsWith('{'));
      expect(diagnostics.filter((line) => /export|otlp|ECONNREFUSED|404/i.test(line))).toEqual([]);
    }
  });
});

describe('the shadow comparison, in the real Prometheus', () => {
  it('reads the jobs completed by hand, outside any instrumented worker, as lost', async () => {
    const queue = 'signup_by_hand';
    const jobs = 3;
    // The test's own pg-boss, uninstrumented, on the worker fixture's schema: the collector in the
    // pg-boss worker's process counts what it ends, and no worker's job metrics ever see it.
    const boss = new PgBoss({
      connectionString: db.url,
      schema: 'pgboss_stack',
      max: 2,
      schedule: false,
      supervise: false,
      openTelemetry: { enabled: false },
    });
    boss.on('error', () => {});
    await boss.start();
    try {
      await boss.createQueue(queue, { retryLimit: 0 });
      const ended = `queuetel_queue_ended_total{messaging_destination_name="${queue}", queuetel_job_outcome="completed"}`;
      // The count reaches Prometheus at 0 before anything ends: increase() starts at a series' first sample.
      for (const name of PROMETHEUSES) {
        await eventually(async () => {
          expect((await prometheus[name].query(ended)).map((r) => r.value)).toEqual([0]);
        }, 30_000);
      }
      for (let i = 0; i < jobs; i++) await boss.send(queue, { i });
      const fetched = await boss.fetch(queue, { batchSize: jobs });
      expect(fetched).toHaveLength(jobs);
      for (const job of fetched) await boss.complete(queue, job.id);
      // The recorded drift, as the alert reads it; increase() extrapolates a little past the samples.
      const drift = `queuetel:shadow_drift:increase15m{messaging_destination_name="${queue}", queuetel_job_outcome="completed"}`;
      for (const name of PROMETHEUSES) {
        await eventually(async () => {
          const values = (await prometheus[name].query(drift)).map((r) => Math.round(r.value));
          expect(values, name).toEqual([-jobs]);
        }, 60_000);
      }
    } finally {
      await boss.stop({ graceful: false, timeout: 2000 });
    }
  });
});
