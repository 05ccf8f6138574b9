import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../harness/database.js';
import { eventually } from '../harness/pg-boss.js';
import { startAgent, type RunningCollector } from './harness/collector.js';
import { readShipped, Scratch, type Config } from './harness/config.js';
import { SPAN_KIND, startJaeger, type RunningJaeger } from './harness/jaeger.js';
import type { StackProcess } from './harness/process.js';
import { startPrometheus, type RunningPrometheus } from './harness/prometheus.js';
import { startWorker, type RunningWorker } from './harness/worker.js';

/**
 * Exemplars from a histogram point to the trace of one job: the link from "this queue is slow" to
 * "this is the slow job". A real pg-boss worker exporting with startTelemetry() sends its job
 * histograms with exemplars (the trace and span of sampled jobs) to the collector built from
 * collector/, whose Prometheus exporter serves them as OpenMetrics; the real Prometheus, with
 * exemplar storage on as the compose file runs it, keeps them; each one's trace is in the real
 * Jaeger; and the Grafana data source links the exemplar's label to Jaeger.
 */

const SERVICE = 'stack-exemplars';
const QUEUE = 'render';
const JOBS = 4;
const scratch = new Scratch();
const processes: StackProcess[] = [];
let db: TestDatabase;
let jaeger: RunningJaeger;
let agent: RunningCollector;
let prometheus: RunningPrometheus;
let worker: RunningWorker;

beforeAll(async () => {
  db = await createTestDatabase('exemplars');
  jaeger = await startJaeger('jaeger', scratch);
  processes.push(jaeger.process);
  agent = await startAgent('collector', scratch, jaeger.otlpGrpc);
  processes.push(agent.process);
  prometheus = await startPrometheus('prometheus', scratch, {
    program: 'prometheus',
    scrape: agent.prometheus!,
  });
  processes.push(prometheus.process);
  worker = await startWorker('worker', {
    system: 'pg-boss',
    databaseUrl: db.url,
    queue: QUEUE,
    deadLetter: `${QUEUE}_dead`,
    service: SERVICE,
    otel: { OTEL_EXPORTER_OTLP_ENDPOINT: agent.otlpHttp! },
  });
  processes.push(worker.process);
  for (let i = 0; i < JOBS; i++) await worker.enqueue({ project: 'acme' });
  await eventually(() => expect(worker.handled()).toHaveLength(JOBS), 30_000);
}, 120_000);

afterAll(async () => {
  for (const process of processes.reverse()) await process.stop();
  await db?.drop();
  scratch.remove();
});

describe('exemplars from a real worker through the collector into Prometheus', () => {
  it.each(['queuetel_job_duration_seconds_bucket', 'queuetel_job_wait_time_seconds_bucket'])(
    "%s keeps exemplars whose trace is a job's, in Jaeger",
    async (metric) => {
      const exemplars = await eventually(async () => {
        const found = await prometheus.exemplars(`${metric}{job="${SERVICE}"}`, 600);
        expect(found.length).toBeGreaterThan(0);
        return found;
      }, 60_000);
      for (const exemplar of exemplars) {
        const { trace_id: traceId, span_id: spanId } = exemplar.labels;
        expect(traceId).toMatch(/^[0-9a-f]{32}$/);
        // The exemplar's span is the process span of one of the jobs, stored in Jaeger.
        const spans = await eventually(async () => {
          const stored = (await jaeger.trace(traceId!)) ?? [];
          expect(stored.map((span) => span.spanId)).toContain(spanId);
          return stored;
        }, 30_000);
        const span = spans.find((s) => s.spanId === spanId)!;
        expect(span).toMatchObject({ name: `process ${QUEUE}`, kind: SPAN_KIND.consumer });
        expect(exemplar.value).toBeGreaterThanOrEqual(0);
      }
    },
  );

  it("is linked from Grafana's Prometheus data source to the trace in Jaeger", () => {
    const sources = readShipped('grafana/provisioning/datasources/datasources.yaml').datasources as Config[];
    const prometheusSource = sources.find((s) => s.type === 'prometheus')!;
    const jaegerSource = sources.find((s) => s.type === 'jaeger')!;
    const destinations = (prometheusSource.jsonData as Config).exemplarTraceIdDestinations as Config[];
    // The label the collector gave the exemplars above, opened in the Jaeger data source.
    expect(destinations).toContainEqual({ name: 'trace_id', datasourceUid: jaegerSource.uid });
  });

  it.each(['queuetel_job_duration_seconds_bucket', 'queuetel_job_wait_time_seconds_bucket'])(
    "has a dashboard panel that asks Prometheus for %s's exemplars",
    (metric) => {
      const dashboard = readShipped('grafana/dashboards/queuetel.json') as { panels: Config[] };
      const targets = dashboard.panels.flatMap((panel) => (panel.targets as Config[] | undefined) ?? []);
      const asking = targets.filter(
        (target) => target.exemplar === true && String(target.expr).includes(metric),
      );
      expect(asking).toHaveLength(1);
    },
  );
});
