import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gunzipSync } from 'node:zlib';

/**
 * An OTLP/HTTP receiver in the benchmark's driver process, so every worker exports for real, over a
 * socket, to another process. It decodes nothing it does not need: it counts the bytes and the data
 * points of each metric export and the spans of each trace export, per worker. A worker's endpoint
 * is `<url>/<worker id>`; its exporters append `/v1/metrics` and `/v1/traces`.
 */
export interface Sink {
  readonly url: string;
  /** What one worker has exported so far. */
  tally(worker: string): SinkTally;
  close(): Promise<void>;
}

export interface SinkTally {
  /** One entry per metric export request: bytes on the wire and data points in it. */
  readonly metricExports: { readonly bytes: number; readonly points: number }[];
  spans: number;
  traceBytes: number;
}

export async function startSink(): Promise<Sink> {
  const tallies = new Map<string, SinkTally>();
  const tally = (worker: string): SinkTally => {
    let found = tallies.get(worker);
    if (!found) tallies.set(worker, (found = { metricExports: [], spans: 0, traceBytes: 0 }));
    return found;
  };
  const server = createServer((request, response) => {
    void readBody(request).then(
      (wire) => {
        const [, worker = '', , signal] = (request.url ?? '').split('/');
        const body = request.headers['content-encoding'] === 'gzip' ? gunzipSync(wire) : wire;
        const json = String(request.headers['content-type']).includes('json');
        if (signal === 'metrics') {
          tally(worker).metricExports.push({ bytes: wire.length, points: countMetricPoints(body, json) });
        } else if (signal === 'traces') {
          const t = tally(worker);
          t.spans += countSpans(body, json);
          t.traceBytes += wire.length;
        }
        // An empty partial-success answer, in the encoding the exporter sent.
        response.writeHead(200, { 'content-type': json ? 'application/json' : 'application/x-protobuf' });
        response.end(json ? '{}' : undefined);
      },
      () => {
        response.writeHead(400);
        response.end();
      },
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    tally,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function readBody(request: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => resolve(Buffer.concat(chunks)));
    request.on('error', reject);
  });
}

interface JsonMetrics {
  resourceMetrics?: { scopeMetrics?: { metrics?: Record<string, { dataPoints?: unknown[] }>[] }[] }[];
}
interface JsonSpans {
  resourceSpans?: { scopeSpans?: { spans?: unknown[] }[] }[];
}

/** Data points in an ExportMetricsServiceRequest, JSON or protobuf. */
export function countMetricPoints(body: Buffer, json: boolean): number {
  if (json) {
    let points = 0;
    for (const resource of (JSON.parse(body.toString('utf8')) as JsonMetrics).resourceMetrics ?? []) {
      for (const scope of resource.scopeMetrics ?? []) {
        for (const metric of scope.metrics ?? []) {
          for (const data of Object.values(metric)) points += data.dataPoints?.length ?? 0;
        }
      }
    }
    return points;
  }
  // resource_metrics (1) > scope_metrics (2) > metrics (2) > gauge 5, sum 7, histogram 9,
  // exponential_histogram 10, summary 11 > data_points (1).
  return countNested(body, [[1], [2], [2], [5, 7, 9, 10, 11], [1]]);
}

/** Spans in an ExportTraceServiceRequest, JSON or protobuf. */
export function countSpans(body: Buffer, json: boolean): number {
  if (json) {
    let spans = 0;
    for (const resource of (JSON.parse(body.toString('utf8')) as JsonSpans).resourceSpans ?? []) {
      for (const scope of resource.scopeSpans ?? []) spans += scope.spans?.length ?? 0;
    }
    return spans;
  }
  // resource_spans (1) > scope_spans (2) > spans (2).
  return countNested(body, [[1], [2], [2]]);
}

/** Counts the messages at the end of a path of length-delimited protobuf fields. */
function countNested(
  buffer: Buffer,
  path: readonly (readonly number[])[],
  start = 0,
  end = buffer.length,
): number {
  const [wanted, ...rest] = path;
  let count = 0;
  let at = start;
  while (at < end) {
    const [key, afterKey] = varint(buffer, at);
    const field = Math.floor(key / 8);
    const wire = key % 8;
    at = afterKey;
    if (wire === 0) at = varint(buffer, at)[1];
    else if (wire === 1) at += 8;
    else if (wire === 5) at += 4;
    else if (wire === 2) {
      const [length, afterLength] = varint(buffer, at);
      if (wanted!.includes(field)) {
        count += rest.length === 0 ? 1 : countNested(buffer, rest, afterLength, afterLength + length);
      }
      at = afterLength + length;
    } else throw new Error(`unsupported protobuf wire type ${wire}`);
  }
  return count;
}

function varint(buffer: Buffer, at: number): [number, number] {
  let value = 0;
  let factor = 1;
  for (;;) {
    const byte = buffer[at++]!;
    value += (byte & 0x7f) * factor;
    if (byte < 0x80) return [value, at];
    factor *= 128;
  }
}
