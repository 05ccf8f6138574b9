import { metrics, trace } from '@opentelemetry/api';
import { AlwaysOnSampler } from '@opentelemetry/sdk-trace';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { startTelemetry, type Telemetry } from '@queuetel/node';
import { startOtlpReceiver, type OtlpReceiver } from '../harness/otlp-receiver.js';

/**
 * startTelemetry() honours the standard OTEL_* variables, and an explicit option wins over its
 * variable. Checked on what reaches an OTLP receiver, not on the SDK's internals.
 */

let receiver: OtlpReceiver;
let telemetry: Telemetry | undefined;
beforeEach(async () => {
  receiver = await startOtlpReceiver();
});
afterEach(async () => {
  await telemetry?.shutdown();
  telemetry = undefined;
  await receiver.close();
  vi.unstubAllEnvs();
});

/** Records one span and one counter, and shuts down, which exports them. */
async function recordAndFlush(): Promise<void> {
  trace.getTracer('env-test').startSpan('env span').end();
  metrics.getMeter('env-test').createCounter('env_test.count').add(1);
  await telemetry!.shutdown();
}

describe('startTelemetry() and the OTEL_* environment', () => {
  it('exports to OTEL_EXPORTER_OTLP_ENDPOINT with the OTEL_EXPORTER_OTLP_HEADERS, service and resource of the environment', async () => {
    vi.stubEnv('OTEL_EXPORTER_OTLP_ENDPOINT', receiver.endpoint);
    vi.stubEnv('OTEL_EXPORTER_OTLP_HEADERS', 'x-team=queues,x-api-key=from-env');
    vi.stubEnv('OTEL_SERVICE_NAME', 'env-service');
    vi.stubEnv('OTEL_RESOURCE_ATTRIBUTES', 'deployment.environment.name=staging');
    telemetry = startTelemetry();
    await recordAndFlush();
    expect(receiver.requests.map((r) => r.path).sort()).toEqual(['/v1/metrics', '/v1/traces']);
    for (const request of receiver.requests) {
      expect(request.headers['x-team']).toBe('queues');
      expect(request.headers['x-api-key']).toBe('from-env');
    }
    expect(receiver.spans()[0]?.resource).toMatchObject({
      'service.name': 'env-service',
      'deployment.environment.name': 'staging',
    });
  });

  it('lets explicit options win: endpoint, headers, service name, resource attributes', async () => {
    vi.stubEnv('OTEL_EXPORTER_OTLP_ENDPOINT', 'http://127.0.0.1:9');
    vi.stubEnv('OTEL_EXPORTER_OTLP_HEADERS', 'x-team=queues,x-api-key=from-env');
    vi.stubEnv('OTEL_SERVICE_NAME', 'env-service');
    vi.stubEnv('OTEL_RESOURCE_ATTRIBUTES', 'deployment.environment.name=staging');
    telemetry = startTelemetry({
      endpoint: receiver.endpoint,
      headers: { 'x-api-key': 'explicit' },
      serviceName: 'explicit-service',
      resourceAttributes: { 'deployment.environment.name': 'production' },
    });
    await recordAndFlush();
    expect(receiver.requests).toHaveLength(2);
    for (const request of receiver.requests) {
      expect(request.headers['x-team']).toBe('queues');
      expect(request.headers['x-api-key']).toBe('explicit');
    }
    expect(receiver.points()[0]?.resource).toMatchObject({
      'service.name': 'explicit-service',
      'deployment.environment.name': 'production',
    });
  });

  it('samples as OTEL_TRACES_SAMPLER says, unless a sampler is given', async () => {
    vi.stubEnv('OTEL_TRACES_SAMPLER', 'always_off');
    telemetry = startTelemetry({ serviceName: 'sampled', endpoint: receiver.endpoint });
    expect(trace.getTracer('env-test').startSpan('dropped').isRecording()).toBe(false);
    await telemetry.shutdown();

    telemetry = startTelemetry({
      serviceName: 'sampled',
      endpoint: receiver.endpoint,
      sampler: new AlwaysOnSampler(),
    });
    expect(trace.getTracer('env-test').startSpan('kept').isRecording()).toBe(true);
  });
});
