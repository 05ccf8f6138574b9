import { stackBinary } from '../../../scripts/stack/components.js';
import type { Scratch } from './config.js';
import { freeAddress, freePort, httpOk, onFreePorts, startProcess, type StackProcess } from './process.js';

/** A span as Jaeger's API v3 returns it (OTLP's shape), with attributes flattened. */
export interface StoredSpan {
  readonly traceId: string;
  readonly spanId: string;
  readonly parentSpanId: string;
  readonly name: string;
  /** OTLP's SpanKind number: 2 server, 4 producer, 5 consumer. */
  readonly kind: number;
  readonly attributes: Record<string, string | number | boolean>;
  readonly links: readonly { traceId: string; spanId: string }[];
  /** OTLP's status code: 0 unset, 1 ok, 2 error. */
  readonly statusCode: number;
  readonly resource: Record<string, string | number | boolean>;
}

export const SPAN_KIND = { server: 2, producer: 4, consumer: 5 } as const;

export interface RunningJaeger {
  readonly process: StackProcess;
  /** Where a collector sends traces: Jaeger's OTLP/gRPC receiver, `host:port`. */
  readonly otlpGrpc: string;
  /** Jaeger's OTLP/HTTP receiver's base URL, for a worker that sends traces straight to it. */
  readonly otlpHttp: string;
  /** The query service's HTTP base URL. */
  readonly queryUrl: string;
  /** A trace by id (hex), or undefined while Jaeger has none of its spans. */
  trace(traceId: string): Promise<StoredSpan[] | undefined>;
  /** The spans of the traces found by service and operation name over the last ten minutes. */
  search(service: string, operation: string): Promise<StoredSpan[]>;
}

/**
 * Jaeger v2 with in-memory storage, as the compose file runs it (the image's default is the same
 * all-in-one memory set-up), on free loopback ports.
 */
export function startJaeger(name: string, scratch: Scratch): Promise<RunningJaeger> {
  return onFreePorts(() => startJaegerOnce(name, scratch));
}

async function startJaegerOnce(name: string, scratch: Scratch): Promise<RunningJaeger> {
  const binary = stackBinary('jaeger');
  const otlpGrpc = await freeAddress();
  const otlpHttp = await freeAddress();
  const query = await freeAddress();
  const file = scratch.write(`${name}.yaml`, {
    service: {
      extensions: ['jaeger_storage', 'jaeger_query'],
      pipelines: {
        traces: { receivers: ['otlp'], processors: ['batch'], exporters: ['jaeger_storage_exporter'] },
      },
      telemetry: {
        metrics: {
          readers: [{ pull: { exporter: { prometheus: { host: '127.0.0.1', port: await freePort() } } } }],
        },
      },
    },
    extensions: {
      jaeger_query: {
        storage: { traces: 'memory' },
        http: { endpoint: query },
        grpc: { endpoint: await freeAddress() },
      },
      jaeger_storage: { backends: { memory: { memory: { max_traces: 100_000 } } } },
    },
    receivers: { otlp: { protocols: { grpc: { endpoint: otlpGrpc }, http: { endpoint: otlpHttp } } } },
    processors: { batch: { timeout: '100ms' } },
    exporters: { jaeger_storage_exporter: { trace_storage: 'memory' } },
  });
  const queryUrl = `http://${query}`;
  const process = await startProcess(name, binary, [`--config=${file}`], () =>
    httpOk(`${queryUrl}/api/services`),
  );
  return {
    process,
    otlpGrpc,
    otlpHttp: `http://${otlpHttp}`,
    queryUrl,
    trace: (traceId) => fetchTrace(queryUrl, traceId),
    search: (service, operation) => searchTraces(queryUrl, service, operation),
  };
}

interface OtlpValue {
  stringValue?: string;
  intValue?: string | number;
  doubleValue?: number;
  boolValue?: boolean;
}
type OtlpAttributes = { key: string; value: OtlpValue }[] | undefined;

function flatten(attributes: OtlpAttributes): Record<string, string | number | boolean> {
  const out: Record<string, string | number | boolean> = {};
  for (const { key, value } of attributes ?? []) {
    out[key] =
      value.stringValue ??
      (value.intValue !== undefined ? Number(value.intValue) : undefined) ??
      value.doubleValue ??
      value.boolValue ??
      '';
  }
  return out;
}

interface ApiV3Span {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  kind?: number | string;
  attributes?: OtlpAttributes;
  links?: { traceId: string; spanId: string }[];
  status?: { code?: number | string };
}

const KIND_NAMES: Record<string, number> = {
  SPAN_KIND_INTERNAL: 1,
  SPAN_KIND_SERVER: 2,
  SPAN_KIND_CLIENT: 3,
  SPAN_KIND_PRODUCER: 4,
  SPAN_KIND_CONSUMER: 5,
};
const STATUS_NAMES: Record<string, number> = {
  STATUS_CODE_UNSET: 0,
  STATUS_CODE_OK: 1,
  STATUS_CODE_ERROR: 2,
};

/** What API v3 answers with: OTLP's JSON, wrapped in `result`. */
interface ApiV3Traces {
  result?: {
    resourceSpans?: {
      resource?: { attributes?: OtlpAttributes };
      scopeSpans?: { spans?: ApiV3Span[] }[];
    }[];
  };
}

/** GET on the query service's API v3; undefined on 404, which is how it says "no trace found". */
async function getTraces(url: string, what: string): Promise<StoredSpan[] | undefined> {
  const response = await fetch(url, { signal: AbortSignal.timeout(5000) });
  if (response.status === 404) return undefined;
  if (!response.ok) throw new Error(`Jaeger ${what}: HTTP ${response.status} ${await response.text()}`);
  return spansOf((await response.json()) as ApiV3Traces);
}

async function fetchTrace(queryUrl: string, traceId: string): Promise<StoredSpan[] | undefined> {
  const spans = await getTraces(`${queryUrl}/api/v3/traces/${traceId}`, `GET trace ${traceId}`);
  return spans && spans.length > 0 ? spans : undefined;
}

async function searchTraces(queryUrl: string, service: string, operation: string): Promise<StoredSpan[]> {
  const now = Date.now();
  const params = new URLSearchParams({
    'query.service_name': service,
    'query.operation_name': operation,
    'query.start_time_min': new Date(now - 10 * 60_000).toISOString(),
    'query.start_time_max': new Date(now + 60_000).toISOString(),
    // Jaeger 2's name for the most traces to return (`search_depth` in its protobuf is refused here).
    'query.num_traces': '100',
  });
  const what = `search ${service} ${operation}`;
  return (await getTraces(`${queryUrl}/api/v3/traces?${params.toString()}`, what)) ?? [];
}

function spansOf(body: ApiV3Traces): StoredSpan[] {
  const spans: StoredSpan[] = [];
  for (const resourceSpans of body.result?.resourceSpans ?? []) {
    const resource = flatten(resourceSpans.resource?.attributes);
    for (const scopeSpans of resourceSpans.scopeSpans ?? []) {
      for (const span of scopeSpans.spans ?? []) {
        spans.push({
          traceId: span.traceId,
          spanId: span.spanId,
          parentSpanId: span.parentSpanId ?? '',
          name: span.name,
          kind: typeof span.kind === 'string' ? (KIND_NAMES[span.kind] ?? 0) : (span.kind ?? 0),
          attributes: flatten(span.attributes),
          links: (span.links ?? []).map(({ traceId: t, spanId: s }) => ({ traceId: t, spanId: s })),
          statusCode:
            typeof span.status?.code === 'string'
              ? (STATUS_NAMES[span.status.code] ?? 0)
              : (span.status?.code ?? 0),
          resource,
        });
      }
    }
  }
  return spans;
}
