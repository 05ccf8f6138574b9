import type { ResolvedTelemetryOptions } from './options.js';

/**
 * The signals an OpenTelemetry SDK has registered with the global API. Read from the API's own
 * registry (the versioned global every copy of `@opentelemetry/api` 1.x shares), because the API
 * offers no other way to ask without registering something itself.
 */
export function registeredSignals(): string[] {
  const registry = (globalThis as Record<symbol, Record<string, unknown> | undefined>)[
    Symbol.for('opentelemetry.js.api.1')
  ];
  return ['trace', 'metrics', 'logs'].filter((signal) => registry?.[signal] !== undefined);
}

/**
 * The explicit options, as the environment variables the SDK and exporters read for them. Lists
 * are appended to the environment's own, so that a key given both ways takes the explicit value
 * (the SDK's parsers keep the last one).
 */
export function sdkEnvironment(resolved: ResolvedTelemetryOptions): Record<string, string> {
  const overrides: Record<string, string> = {};
  if (resolved.endpoint !== undefined) overrides.OTEL_EXPORTER_OTLP_ENDPOINT = resolved.endpoint;
  if (resolved.headers !== undefined) {
    overrides.OTEL_EXPORTER_OTLP_HEADERS = appendPairs(
      process.env.OTEL_EXPORTER_OTLP_HEADERS,
      resolved.headers,
    );
  }
  if (resolved.exportTimeoutMillis !== undefined) {
    overrides.OTEL_EXPORTER_OTLP_TIMEOUT = String(resolved.exportTimeoutMillis);
  }
  const attributes = Object.entries(resolved.resourceAttributes);
  if (attributes.length > 0) {
    overrides.OTEL_RESOURCE_ATTRIBUTES = appendPairs(
      process.env.OTEL_RESOURCE_ATTRIBUTES,
      Object.fromEntries(attributes.map(([key, value]) => [key, String(value)])),
    );
  }
  return overrides;
}

/** Runs `build` with `overrides` in process.env, and puts the environment back as it was. */
export function withEnvironment<T>(overrides: Record<string, string>, build: () => T): T {
  const before = new Map(Object.keys(overrides).map((name) => [name, process.env[name]]));
  Object.assign(process.env, overrides);
  try {
    return build();
  } finally {
    for (const [name, value] of before) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  }
}

/** `key=value` pairs after the existing list, percent-encoded as the specification's format wants. */
function appendPairs(existing: string | undefined, pairs: Record<string, string>): string {
  const added = Object.entries(pairs).map(
    ([key, value]) => `${encodeURIComponent(key)}=${encodeURIComponent(value)}`,
  );
  return [existing?.trim(), ...added].filter((part) => part !== undefined && part !== '').join(',');
}
