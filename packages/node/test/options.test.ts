import { afterEach, describe, expect, it, vi } from 'vitest';
import { QueuetelConfigError } from '@queuetel/core';
import { resolveTelemetryOptions, type TelemetryOptions } from '../src/options.js';

function problem(options: unknown): string {
  try {
    resolveTelemetryOptions(options as TelemetryOptions);
  } catch (error) {
    expect(error).toBeInstanceOf(QueuetelConfigError);
    return (error as Error).message;
  }
  throw new Error('expected the options to be refused');
}

afterEach(() => {
  vi.unstubAllEnvs();
});

describe('startTelemetry options', () => {
  it('fills in the documented defaults', () => {
    const resolved = resolveTelemetryOptions({ serviceName: 'worker' });
    expect(resolved.metricExportIntervalMillis).toBe(5000);
    expect(resolved.cardinalityLimit).toBe(2000);
    expect(resolved.flushOnSignals).toBe(false);
    expect(resolved.shutdownTimeoutMillis).toBe(5000);
    // Left to the exporters, which read OTEL_EXPORTER_OTLP_* themselves.
    expect(resolved.endpoint).toBeUndefined();
    expect(resolved.headers).toBeUndefined();
    expect(resolved.exportTimeoutMillis).toBeUndefined();
  });

  it.each([
    [{ serviceName: '' }, "option 'serviceName' must be a non-empty string, got ''"],
    [
      { serviceName: 'w', endpoint: 'collector:4318' },
      "option 'endpoint' must be an http:// or https:// URL",
    ],
    [{ serviceName: 'w', headers: { 'x-key': 42 } }, "option 'headers.x-key' must be a string, got 42"],
    [
      { serviceName: 'w', resourceAttributes: { region: {} } },
      "option 'resourceAttributes.region' must be a string, number or boolean, got a object",
    ],
    [{ serviceName: 'w', sampler: 0.5 }, "option 'sampler' must be a Sampler"],
    [
      { serviceName: 'w', metricExportIntervalMillis: 10 },
      "option 'metricExportIntervalMillis' must be a whole number from 100 to 86400000, got 10",
    ],
    [{ serviceName: 'w', flushOnSignals: 'yes' }, "option 'flushOnSignals' must be true or false, got 'yes'"],
    [{ serviceName: 'w', cardinalityLimit: 0 }, "option 'cardinalityLimit' must be a whole number from 1"],
    [{ serviceName: 'w', exporter: 'otlp' }, "option 'exporter' is not a known option"],
    ['worker', "option 'options' must be an object, got 'worker'"],
  ])('refuses %j', (options, message) => {
    expect(problem(options)).toContain(message);
  });

  it('needs a service name from the options or the environment', () => {
    expect(problem({})).toContain("option 'serviceName' is required: pass it, or set OTEL_SERVICE_NAME");
    vi.stubEnv('OTEL_SERVICE_NAME', 'from-env');
    expect(resolveTelemetryOptions({}).serviceName).toBeUndefined();
    vi.stubEnv('OTEL_SERVICE_NAME', '');
    vi.stubEnv('OTEL_RESOURCE_ATTRIBUTES', 'team=queues,service.name=from-attributes');
    expect(() => resolveTelemetryOptions({})).not.toThrow();
  });

  it('reads the metric export interval from the environment, and lets options override it', () => {
    vi.stubEnv('OTEL_METRIC_EXPORT_INTERVAL', '2000');
    expect(resolveTelemetryOptions({ serviceName: 'w' }).metricExportIntervalMillis).toBe(2000);
    const explicit = resolveTelemetryOptions({
      serviceName: 'w',
      metricExportIntervalMillis: 8000,
      exportTimeoutMillis: 3000,
    });
    expect(explicit.metricExportIntervalMillis).toBe(8000);
    expect(explicit.exportTimeoutMillis).toBe(3000);
  });

  it('keeps an explicit endpoint as the base URL OTEL_EXPORTER_OTLP_ENDPOINT would be', () => {
    const resolved = resolveTelemetryOptions({
      serviceName: 'w',
      endpoint: 'https://collector.internal:4318/',
    });
    expect(resolved.endpoint).toBe('https://collector.internal:4318');
  });

  it('notices OTEL_SDK_DISABLED', () => {
    vi.stubEnv('OTEL_SDK_DISABLED', 'true');
    expect(resolveTelemetryOptions({ serviceName: 'w' }).disabled).toBe(true);
  });
});
