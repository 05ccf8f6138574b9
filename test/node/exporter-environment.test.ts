import { createServer } from 'node:net';
import * as api from '@opentelemetry/api';
import { metrics, trace } from '@opentelemetry/api';
import { logs as logsBefore110 } from '@opentelemetry/api-logs';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { startTelemetry, type Telemetry } from '@queuetel/node';
import { startOtlpGrpcReceiver, startOtlpReceiver, type OtlpReceiver } from '../harness/otlp-receiver.js';

/**
 * The variables that choose exporters, each changing what startTelemetry()'s SDK sends, checked on
 * what reaches the tests' own receivers: OTLP over HTTP (JSON and protobuf) and gRPC, a Prometheus
 * scrape, and the console.
 */

let receiver: OtlpReceiver | undefined;
let telemetry: Telemetry | undefined;
beforeEach(() => {
  vi.stubEnv('OTEL_SERVICE_NAME', 'exporter-env');
});
afterEach(async () => {
  await telemetry?.shutdown();
  telemetry = undefined;
  await receiver?.close();
  receiver = undefined;
  vi.unstubAllEnvs();
  vi.restoreAllMocks();
});

/** Starts telemetry, records a span, a counter and a log record, and shuts down, which exports them. */
async function recordAndFlush(): Promise<void> {
  telemetry = startTelemetry();
  // The logs API is in @opentelemetry/api from 1.10 (SDK 3.x), in @opentelemetry/api-logs before.
  type Emitting = { getLogger(name: string): { emit(record: { body: string }): void } };
  const logs = (api as unknown as { logs?: Emitting }).logs ?? logsBefore110;
  trace.getTracer('exporter-env').startSpan('env span').end();
  metrics.getMeter('exporter-env').createCounter('exporter_env.count').add(1);
  logs.getLogger('exporter-env').emit({ body: 'env log' });
  await telemetry.shutdown();
  telemetry = undefined;
}

async function httpReceiverFromEnv(): Promise<OtlpReceiver> {
  receiver = await startOtlpReceiver();
  vi.stubEnv('OTEL_EXPORTER_OTLP_ENDPOINT', receiver.endpoint);
  return receiver;
}

function sent(r: OtlpReceiver): string[] {
  return r.requests.map((request) => `${request.protocol} ${request.path}`).sort();
}

describe('OTEL_EXPORTER_OTLP_PROTOCOL', () => {
  it('defaults to http/protobuf, as the specification says, for traces, metrics and logs', async () => {
    const r = await httpReceiverFromEnv();
    await recordAndFlush();
    expect(sent(r)).toEqual([
      'http/protobuf /v1/logs',
      'http/protobuf /v1/metrics',
      'http/protobuf /v1/traces',
    ]);
    expect(r.spans().map((span) => span.name)).toEqual(['env span']);
    expect(r.points().find((point) => point.name === 'exporter_env.count')?.value).toBe(1);
  });

  it('sends OTLP/JSON when it is http/json', async () => {
    const r = await httpReceiverFromEnv();
    vi.stubEnv('OTEL_EXPORTER_OTLP_PROTOCOL', 'http/json');
    await recordAndFlush();
    expect(sent(r)).toEqual(['http/json /v1/logs', 'http/json /v1/metrics', 'http/json /v1/traces']);
    expect(r.spans()[0]?.resource['service.name']).toBe('exporter-env');
  });

  it('sends OTLP/gRPC when it is grpc', async () => {
    receiver = await startOtlpGrpcReceiver();
    vi.stubEnv('OTEL_EXPORTER_OTLP_ENDPOINT', receiver.endpoint);
    vi.stubEnv('OTEL_EXPORTER_OTLP_PROTOCOL', 'grpc');
    await recordAndFlush();
    expect(sent(receiver)).toEqual(['grpc /v1/logs', 'grpc /v1/metrics', 'grpc /v1/traces']);
    expect(receiver.spans().map((span) => span.name)).toEqual(['env span']);
    expect(receiver.points().find((point) => point.name === 'exporter_env.count')?.value).toBe(1);
  });

  it('is overridden per signal by OTEL_EXPORTER_OTLP_METRICS_PROTOCOL', async () => {
    const r = await httpReceiverFromEnv();
    vi.stubEnv('OTEL_EXPORTER_OTLP_METRICS_PROTOCOL', 'http/json');
    await recordAndFlush();
    expect(sent(r)).toEqual(['http/json /v1/metrics', 'http/protobuf /v1/logs', 'http/protobuf /v1/traces']);
  });
});

describe('OTEL_TRACES_EXPORTER, OTEL_METRICS_EXPORTER and OTEL_LOGS_EXPORTER', () => {
  it('none sends nothing of that signal', async () => {
    const r = await httpReceiverFromEnv();
    vi.stubEnv('OTEL_TRACES_EXPORTER', 'none');
    vi.stubEnv('OTEL_LOGS_EXPORTER', 'none');
    await recordAndFlush();
    expect(sent(r)).toEqual(['http/protobuf /v1/metrics']);

    vi.stubEnv('OTEL_TRACES_EXPORTER', 'otlp');
    vi.stubEnv('OTEL_METRICS_EXPORTER', 'none');
    await recordAndFlush();
    expect(sent(r).filter((line) => line.endsWith('/v1/metrics'))).toHaveLength(1);
    expect(sent(r).filter((line) => line.endsWith('/v1/traces'))).toHaveLength(1);
  });

  it('console writes spans and metrics to the console instead of sending them', async () => {
    const r = await httpReceiverFromEnv();
    const printed: unknown[] = [];
    vi.spyOn(console, 'dir').mockImplementation((value: unknown) => void printed.push(value));
    vi.stubEnv('OTEL_TRACES_EXPORTER', 'console');
    vi.stubEnv('OTEL_METRICS_EXPORTER', 'console');
    vi.stubEnv('OTEL_LOGS_EXPORTER', 'none');
    await recordAndFlush();
    expect(r.requests).toHaveLength(0);
    const text = JSON.stringify(printed);
    expect(text).toContain('env span');
    expect(text).toContain('exporter_env.count');
  });

  it('prometheus serves the metrics on OTEL_EXPORTER_PROMETHEUS_PORT instead of pushing them', async () => {
    const port = await freePort();
    vi.stubEnv('OTEL_METRICS_EXPORTER', 'prometheus');
    vi.stubEnv('OTEL_EXPORTER_PROMETHEUS_PORT', String(port));
    vi.stubEnv('OTEL_TRACES_EXPORTER', 'none');
    vi.stubEnv('OTEL_LOGS_EXPORTER', 'none');
    telemetry = startTelemetry();
    metrics.getMeter('exporter-env').createCounter('exporter_env.count').add(3);
    const scrape = await scrapeWhenUp(`http://127.0.0.1:${port}/metrics`);
    expect(scrape).toMatch(/^exporter_env_count_total\{[^}]*\} 3/m);
  });
});

async function freePort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const address = probe.address();
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  if (!address || typeof address === 'string') throw new Error('no port');
  return address.port;
}

/** The exporter starts its server asynchronously: ask until it answers. */
async function scrapeWhenUp(url: string): Promise<string> {
  for (let attempt = 0; ; attempt++) {
    try {
      const response = await fetch(url);
      return await response.text();
    } catch (error) {
      if (attempt > 100) throw error;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
}
