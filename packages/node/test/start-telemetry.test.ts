import { metrics, trace } from '@opentelemetry/api';
import {
  InMemorySpanExporter,
  SimpleSpanProcessor,
  TracerProvider,
  type ReadableSpan,
} from '@opentelemetry/sdk-trace';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { getGlobalMetricProducer } from '@queuetel/core';
import {
  ExistingSdkError,
  startTelemetry,
  TelemetryAlreadyStartedError,
  type Telemetry,
} from '../src/index.js';

// Nothing listens here; exports fail fast and are only reported through diag.
const options = {
  endpoint: 'http://127.0.0.1:9',
  exportTimeoutMillis: 200,
  shutdownTimeoutMillis: 1000,
};

let running: Telemetry | undefined;
afterEach(async () => {
  await running?.shutdown();
  running = undefined;
  vi.unstubAllEnvs();
});

function start(extra: Parameters<typeof startTelemetry>[0] = {}): Telemetry {
  running = startTelemetry({ serviceName: 'unit', ...options, ...extra });
  return running;
}

/** The resource of a span made through the global API, which startTelemetry() set up. */
function resourceOfNewSpan(): Record<string, unknown> {
  const span = trace.getTracer('probe').startSpan('probe');
  span.end();
  return (span as unknown as ReadableSpan).resource.attributes;
}

describe('startTelemetry', () => {
  it('installs its metric producer for instrumentations created afterwards, and takes it back on shutdown', async () => {
    const telemetry = start();
    expect(getGlobalMetricProducer()).toBe(telemetry.metricProducer);
    await telemetry.shutdown();
    expect(getGlobalMetricProducer()).toBeUndefined();
  });

  it('refuses a second call while the first runs, saying where the first was made', () => {
    start();
    let error: unknown;
    try {
      startTelemetry({ serviceName: 'again' });
    } catch (thrown) {
      error = thrown;
    }
    expect(error).toBeInstanceOf(TelemetryAlreadyStartedError);
    expect((error as Error).message).toMatch(/startTelemetry\(\) was already called in this process/);
    expect((error as Error).message).toContain('start-telemetry.test.ts');
  });

  it('may start again after shutdown, with the API registered anew', async () => {
    await start().shutdown();
    const second = start({ serviceName: 'second' });
    expect(getGlobalMetricProducer()).toBe(second.metricProducer);
    expect(resourceOfNewSpan()['service.name']).toBe('second');
  });

  it('leaves the API as it found it after shutdown', async () => {
    const telemetry = start();
    expect(trace.getTracer('probe').startSpan('probe').isRecording()).toBe(true);
    await telemetry.shutdown();
    expect(trace.getTracer('probe').startSpan('probe').isRecording()).toBe(false);
    expect(metrics.getMeterProvider().constructor.name).toBe('NoopMeterProvider');
  });

  it('resolves shutdown() once, however often it is called', async () => {
    const telemetry = start();
    const first = telemetry.shutdown();
    expect(telemetry.shutdown()).toBe(first);
    await first;
  });

  it('lets explicit options win over OTEL_SERVICE_NAME and OTEL_RESOURCE_ATTRIBUTES', () => {
    vi.stubEnv('OTEL_SERVICE_NAME', 'from-env');
    vi.stubEnv('OTEL_RESOURCE_ATTRIBUTES', 'team=env-team,region=eu');
    start({ serviceName: 'explicit', resourceAttributes: { team: 'explicit-team' } });
    expect(resourceOfNewSpan()).toMatchObject({
      'service.name': 'explicit',
      team: 'explicit-team',
      region: 'eu',
    });
  });

  it('takes the service name from OTEL_SERVICE_NAME when none is given', () => {
    vi.stubEnv('OTEL_SERVICE_NAME', 'from-env');
    running = startTelemetry(options);
    expect(resourceOfNewSpan()['service.name']).toBe('from-env');
  });

  it('starts nothing under OTEL_SDK_DISABLED', async () => {
    vi.stubEnv('OTEL_SDK_DISABLED', 'true');
    const telemetry = start();
    expect(getGlobalMetricProducer()).toBeUndefined();
    expect(trace.getTracer('probe').startSpan('probe').isRecording()).toBe(false);
    await telemetry.shutdown();
  });
});

describe('startTelemetry beside an SDK the application started', () => {
  it('attaches to it, and its shutdown() leaves that SDK running', async () => {
    const exporter = new InMemorySpanExporter();
    const userProvider = new TracerProvider({ spanProcessors: [new SimpleSpanProcessor({ exporter })] });
    trace.setGlobalTracerProvider(userProvider);
    try {
      const telemetry = startTelemetry();
      expect(telemetry.startedSdk).toBe(false);
      expect(telemetry.metricProducer).toBeUndefined();
      await telemetry.shutdown();
      trace.getTracer('user').startSpan('after queuetel shutdown').end();
      expect(exporter.getFinishedSpans().map((span) => span.name)).toEqual(['after queuetel shutdown']);
    } finally {
      trace.disable();
      await userProvider.shutdown();
    }
  });

  it('refuses options only an SDK of its own could honour, naming them', () => {
    const userProvider = new TracerProvider();
    trace.setGlobalTracerProvider(userProvider);
    try {
      expect(() => startTelemetry({ serviceName: 'w', endpoint: 'http://127.0.0.1:9' })).toThrow(
        ExistingSdkError,
      );
      expect(() => startTelemetry({ serviceName: 'w' })).toThrow(
        /already registered in this process \(trace\).*'serviceName' cannot apply/,
      );
    } finally {
      trace.disable();
    }
  });
});
