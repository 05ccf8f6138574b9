import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from '../harness/pg-boss.js';
import { startAgent, type RunningCollector } from './harness/collector.js';
import { readShipped, Scratch, type Config } from './harness/config.js';
import { freeAddress, type StackProcess } from './harness/process.js';
import { startPrometheus, type RunningPrometheus } from './harness/prometheus.js';

/**
 * Exemplars from a histogram point to the trace of one job: the link from "this queue is slow" to
 * "this is the slow job". The JavaScript SDK (sdk-metrics 3.1) does not attach exemplars to what
 * it exports, so queuetel's workers send none today (docs/collector.md says so). What the shipped
 * stack must do is carry them once an SDK sends them: this test sends an OTLP histogram point with
 * an exemplar, as the Go and Java SDKs do, through the real collector into the real Prometheus,
 * and checks that the Grafana data source links the exemplar's label to Jaeger.
 */

const SERVICE = 'stack-exemplars';
const scratch = new Scratch();
const processes: StackProcess[] = [];
let agent: RunningCollector;
let prometheus: RunningPrometheus;
const traceId = randomBytes(16).toString('hex');
const spanId = randomBytes(8).toString('hex');

/** One cumulative histogram point of `name`, with one exemplar from the trace above. */
function histogram(name: string, seconds: number): object {
  const now = `${Date.now()}000000`;
  return {
    name,
    unit: 's',
    histogram: {
      aggregationTemporality: 2,
      dataPoints: [
        {
          attributes: [
            { key: 'messaging.system', value: { stringValue: 'pg-boss' } },
            { key: 'messaging.destination.name', value: { stringValue: 'slow_queue' } },
          ],
          startTimeUnixNano: now,
          timeUnixNano: now,
          count: '1',
          sum: seconds,
          explicitBounds: [0.1, 1, 10],
          bucketCounts: ['0', '0', '1', '0'],
          exemplars: [{ asDouble: seconds, timeUnixNano: now, traceId, spanId }],
        },
      ],
    },
  };
}

beforeAll(async () => {
  // No traces are sent here; the agent's trace exporter points at an address nothing listens on.
  agent = await startAgent('collector', scratch, await freeAddress());
  processes.push(agent.process);
  prometheus = await startPrometheus('prometheus', scratch, {
    program: 'prometheus',
    scrape: agent.prometheus!,
  });
  processes.push(prometheus.process);
  const response = await fetch(`${agent.otlpHttp}/v1/metrics`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      resourceMetrics: [
        {
          resource: { attributes: [{ key: 'service.name', value: { stringValue: SERVICE } }] },
          scopeMetrics: [
            {
              scope: { name: '@queuetel/core' },
              metrics: [histogram('queuetel.job.duration', 4.2), histogram('queuetel.job.wait_time', 2.5)],
            },
          ],
        },
      ],
    }),
  });
  expect(response.status).toBe(200);
}, 60_000);

afterAll(async () => {
  for (const process of processes.reverse()) await process.stop();
  scratch.remove();
});

describe('exemplars through the collector into Prometheus', () => {
  it.each(['queuetel_job_duration_seconds_bucket', 'queuetel_job_wait_time_seconds_bucket'])(
    '%s keeps the trace id of its exemplar',
    async (metric) => {
      const exemplars = await eventually(async () => {
        const found = await prometheus.exemplars(`${metric}{job="${SERVICE}"}`, 600);
        expect(found.length).toBeGreaterThan(0);
        return found;
      }, 30_000);
      expect(exemplars[0]!.labels).toMatchObject({ trace_id: traceId, span_id: spanId });
    },
  );

  it("is linked from Grafana's Prometheus data source to the trace in Jaeger", () => {
    const sources = readShipped('grafana/provisioning/datasources/datasources.yaml').datasources as Config[];
    const prometheusSource = sources.find((s) => s.type === 'prometheus')!;
    const jaegerSource = sources.find((s) => s.type === 'jaeger')!;
    const destinations = (prometheusSource.jsonData as Config).exemplarTraceIdDestinations as Config[];
    // The label the collector gave the exemplar above, opened in the Jaeger data source.
    expect(destinations).toContainEqual({ name: 'trace_id', datasourceUid: jaegerSource.uid });
  });
});
