import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { gunzipSync } from 'node:zlib';
import * as grpc from '@grpc/grpc-js';
import { decodeProtobufRequest, type Signal } from './otlp-proto.js';

/**
 * An OTLP receiver on loopback, for tests: over HTTP it takes JSON or protobuf, as the SDK's
 * exporters send them, over gRPC protobuf; it decodes each request and notes when it arrived. In
 * `stall` mode it reads each request and never answers, like a collector that hangs.
 */
export interface OtlpReceiver {
  /** The base URL to give the SDK, such as `http://127.0.0.1:43121`. */
  readonly endpoint: string;
  /** Every request so far, in order of arrival. */
  readonly requests: readonly ReceivedRequest[];
  spans(): ReceivedSpan[];
  /** Every metric data point so far, each with the time its request arrived. */
  points(): ReceivedPoint[];
  /** The distinct metrics received: name, unit and kind. */
  metrics(): ReceivedMetric[];
  close(): Promise<void>;
}

export interface ReceivedRequest {
  /** `/v1/traces`, `/v1/metrics` or `/v1/logs`, whatever the transport. */
  readonly path: string;
  /** How it came: `http/json`, `http/protobuf` or `grpc`. */
  readonly protocol: 'http/json' | 'http/protobuf' | 'grpc';
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  readonly arrivedAt: number;
  /** The request's bytes as sent (unzipped): JSON text or protobuf, whose strings are verbatim UTF-8. */
  readonly raw: Buffer;
  readonly body: unknown;
}

type Attributes = Record<string, string | number | boolean>;

export interface ReceivedSpan {
  readonly name: string;
  readonly kind: number;
  readonly traceId: string;
  readonly spanId: string;
  readonly parentSpanId: string | undefined;
  readonly attributes: Attributes;
  readonly resource: Attributes;
  readonly scope: string;
  readonly statusCode: number;
  readonly links: readonly { traceId: string; spanId: string }[];
}

export type ReceivedKind = 'counter' | 'updown' | 'gauge' | 'histogram';

export interface ReceivedMetric {
  readonly name: string;
  readonly unit: string;
  readonly kind: ReceivedKind;
}

export interface ReceivedPoint extends ReceivedMetric {
  readonly scope: string;
  readonly resource: Attributes;
  readonly attributes: Attributes;
  /** The sum's value, or the histogram's count. */
  readonly value: number;
  readonly bounds?: readonly number[];
  /** A histogram's bucket counts (one more than its bounds) and its sum. */
  readonly bucketCounts?: readonly number[];
  readonly sum?: number;
  /** A histogram point's exemplars, ids in hex. */
  readonly exemplars?: readonly ReceivedExemplar[];
  readonly arrivedAt: number;
}

export interface ReceivedExemplar {
  readonly value: number;
  readonly timeUnixNano: number;
  readonly traceId: string;
  readonly spanId: string;
}

/** OTLP span kinds: 1 internal, 2 server, 3 client, 4 producer, 5 consumer. */
export const OTLP_SPAN_KIND = { internal: 1, server: 2, client: 3, producer: 4, consumer: 5 } as const;

export async function startOtlpReceiver(mode: 'accept' | 'stall' = 'accept'): Promise<OtlpReceiver> {
  const requests: ReceivedRequest[] = [];
  const sockets = new Set<Socket>();
  const server = createServer((request, response) => {
    void receive(request, response);
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });

  async function receive(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    let raw = Buffer.concat(chunks);
    if (request.headers['content-encoding'] === 'gzip') raw = gunzipSync(raw);
    const type = request.headers['content-type'] ?? '';
    const path = request.url ?? '';
    const signal = SIGNAL_OF_PATH[path];
    let body: unknown;
    let protocol: ReceivedRequest['protocol'];
    if (type.includes('json')) {
      body = JSON.parse(raw.toString('utf8'));
      protocol = 'http/json';
    } else if (type.includes('protobuf') && signal) {
      body = decodeProtobufRequest(signal, raw);
      protocol = 'http/protobuf';
    } else {
      response.writeHead(415).end(`this test receiver takes OTLP JSON or protobuf, got ${type}`);
      return;
    }
    requests.push({ path, protocol, headers: request.headers, arrivedAt: Date.now(), raw, body });
    if (mode === 'stall') return;
    response.writeHead(200, { 'content-type': 'application/json' }).end('{}');
  }

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (!address || typeof address === 'string') throw new Error('the receiver has no port');

  return receiverOf(
    requests,
    `http://127.0.0.1:${address.port}`,
    () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  );
}

const SIGNAL_OF_PATH: Record<string, Signal> = {
  '/v1/traces': 'traces',
  '/v1/metrics': 'metrics',
  '/v1/logs': 'logs',
};

const GRPC_SERVICES: Record<Signal, string> = {
  traces: '/opentelemetry.proto.collector.trace.v1.TraceService/Export',
  metrics: '/opentelemetry.proto.collector.metrics.v1.MetricsService/Export',
  logs: '/opentelemetry.proto.collector.logs.v1.LogsService/Export',
};

/** An OTLP/gRPC receiver on loopback (plaintext), recording requests as the HTTP one does. */
export async function startOtlpGrpcReceiver(): Promise<OtlpReceiver> {
  const requests: ReceivedRequest[] = [];
  const server = new grpc.Server();
  for (const [signal, path] of Object.entries(GRPC_SERVICES) as [Signal, string][]) {
    const definition: grpc.ServiceDefinition = {
      Export: {
        path,
        requestStream: false,
        responseStream: false,
        requestSerialize: (value: Buffer) => value,
        requestDeserialize: (bytes: Buffer) => bytes,
        // An empty Export*ServiceResponse is zero bytes.
        responseSerialize: () => Buffer.alloc(0),
        responseDeserialize: (bytes: Buffer) => bytes,
      },
    };
    server.addService(definition, {
      Export: (call: grpc.ServerUnaryCall<Buffer, Buffer>, callback: grpc.sendUnaryData<Buffer>) => {
        requests.push({
          path: `/v1/${signal}`,
          protocol: 'grpc',
          headers: call.metadata.getMap() as Record<string, string>,
          arrivedAt: Date.now(),
          raw: call.request,
          body: decodeProtobufRequest(signal, call.request),
        });
        callback(null, Buffer.alloc(0));
      },
    });
  }
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (error, bound) =>
      error ? reject(error) : resolve(bound),
    ),
  );
  return receiverOf(requests, `http://127.0.0.1:${port}`, () => {
    server.forceShutdown();
    return Promise.resolve();
  });
}

function receiverOf(requests: ReceivedRequest[], endpoint: string, close: () => Promise<void>): OtlpReceiver {
  const points = (): ReceivedPoint[] =>
    requests.filter((r) => r.path === '/v1/metrics').flatMap((r) => decodePoints(r.body, r.arrivedAt));
  return {
    endpoint,
    requests,
    spans: () => requests.filter((r) => r.path === '/v1/traces').flatMap((r) => decodeSpans(r.body)),
    points,
    metrics() {
      const seen = new Map<string, ReceivedMetric>();
      for (const point of points()) {
        seen.set(point.name, { name: point.name, unit: point.unit, kind: point.kind });
      }
      return [...seen.values()];
    },
    close,
  };
}

/** A loopback port with nothing listening on it: a collector that is down. */
export async function closedPort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const address = probe.address();
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  if (!address || typeof address === 'string') throw new Error('no port');
  return address.port;
}

// ---------------------------------------------------------------------------------------------
// OTLP/JSON decoding: just the fields the tests look at.
// ---------------------------------------------------------------------------------------------

interface JsonKeyValue {
  key: string;
  value: JsonAnyValue;
}
interface JsonAnyValue {
  stringValue?: string;
  boolValue?: boolean;
  intValue?: number | string;
  doubleValue?: number;
}
interface JsonResource {
  attributes?: JsonKeyValue[];
}
interface JsonScope {
  name?: string;
}

function attributesOf(list: JsonKeyValue[] | undefined): Attributes {
  const attributes: Attributes = {};
  for (const { key, value } of list ?? []) {
    if (value.stringValue !== undefined) attributes[key] = value.stringValue;
    else if (value.boolValue !== undefined) attributes[key] = value.boolValue;
    else if (value.intValue !== undefined) attributes[key] = Number(value.intValue);
    else if (value.doubleValue !== undefined) attributes[key] = value.doubleValue;
  }
  return attributes;
}

interface JsonSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  kind: number;
  attributes?: JsonKeyValue[];
  status?: { code?: number };
  links?: { traceId: string; spanId: string }[];
}

function decodeSpans(body: unknown): ReceivedSpan[] {
  const { resourceSpans = [] } = body as {
    resourceSpans?: { resource?: JsonResource; scopeSpans?: { scope?: JsonScope; spans?: JsonSpan[] }[] }[];
  };
  return resourceSpans.flatMap(({ resource, scopeSpans = [] }) =>
    scopeSpans.flatMap(({ scope, spans = [] }) =>
      spans.map((span) => ({
        name: span.name,
        kind: span.kind,
        traceId: span.traceId,
        spanId: span.spanId,
        parentSpanId: span.parentSpanId || undefined,
        attributes: attributesOf(span.attributes),
        resource: attributesOf(resource?.attributes),
        scope: scope?.name ?? '',
        statusCode: span.status?.code ?? 0,
        links: (span.links ?? []).map(({ traceId, spanId }) => ({ traceId, spanId })),
      })),
    ),
  );
}

interface JsonNumberPoint {
  attributes?: JsonKeyValue[];
  asInt?: number | string;
  asDouble?: number;
}
interface JsonHistogramPoint {
  attributes?: JsonKeyValue[];
  count?: number | string;
  sum?: number;
  bucketCounts?: (number | string)[];
  explicitBounds?: number[];
  exemplars?: {
    asDouble?: number;
    timeUnixNano?: number | string;
    traceId?: string;
    spanId?: string;
  }[];
}
interface JsonMetric {
  name: string;
  unit?: string;
  sum?: { dataPoints?: JsonNumberPoint[]; isMonotonic?: boolean };
  gauge?: { dataPoints?: JsonNumberPoint[] };
  histogram?: { dataPoints?: JsonHistogramPoint[] };
}

function decodePoints(body: unknown, arrivedAt: number): ReceivedPoint[] {
  const { resourceMetrics = [] } = body as {
    resourceMetrics?: {
      resource?: JsonResource;
      scopeMetrics?: { scope?: JsonScope; metrics?: JsonMetric[] }[];
    }[];
  };
  const points: ReceivedPoint[] = [];
  for (const { resource, scopeMetrics = [] } of resourceMetrics) {
    const resourceAttributes = attributesOf(resource?.attributes);
    for (const { scope, metrics = [] } of scopeMetrics) {
      for (const metric of metrics) {
        const base = {
          name: metric.name,
          unit: metric.unit ?? '',
          scope: scope?.name ?? '',
          resource: resourceAttributes,
          arrivedAt,
        };
        if (metric.histogram) {
          for (const point of metric.histogram.dataPoints ?? []) {
            points.push({
              ...base,
              kind: 'histogram',
              attributes: attributesOf(point.attributes),
              value: Number(point.count ?? 0),
              bounds: point.explicitBounds ?? [],
              bucketCounts: (point.bucketCounts ?? []).map(Number),
              ...(point.sum === undefined ? {} : { sum: point.sum }),
              ...(point.exemplars
                ? {
                    exemplars: point.exemplars.map((exemplar) => ({
                      value: exemplar.asDouble ?? NaN,
                      timeUnixNano: Number(exemplar.timeUnixNano ?? 0),
                      traceId: exemplar.traceId ?? '',
                      spanId: exemplar.spanId ?? '',
                    })),
                  }
                : {}),
            });
          }
          continue;
        }
        const numbers = metric.sum ?? metric.gauge;
        const kind: ReceivedKind = metric.gauge ? 'gauge' : metric.sum?.isMonotonic ? 'counter' : 'updown';
        for (const point of numbers?.dataPoints ?? []) {
          points.push({
            ...base,
            kind,
            attributes: attributesOf(point.attributes),
            value: Number(point.asDouble ?? point.asInt ?? 0),
          });
        }
      }
    }
  }
  return points;
}
