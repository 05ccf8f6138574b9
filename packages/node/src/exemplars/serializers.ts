import { diag } from '@opentelemetry/api';
import type { HistogramMetricData, ResourceMetrics, ScopeMetrics } from '@opentelemetry/sdk-metrics';
import {
  JsonMetricsSerializer,
  ProtobufMetricsSerializer,
  type IExportMetricsServiceResponse,
  type ISerializer,
} from '@opentelemetry/otlp-transformer';
import { encodeScopeMetrics, hasExemplars, jsonExemplars } from './histogram-encoder.js';
import { concat, ProtobufWriter, readVarint } from './protobuf-writer.js';

export type MetricsSerializer = ISerializer<ResourceMetrics, IExportMetricsServiceResponse>;

const stockProtobuf = ProtobufMetricsSerializer;
const stockJson = JsonMetricsSerializer;

/** `ExportMetricsServiceRequest.resource_metrics`, and `ResourceMetrics.scope_metrics`. */
const RESOURCE_METRICS_FIELD = 1;
const SCOPE_METRICS_FIELD = 2;

/**
 * The SDK's OTLP/protobuf serializer, plus the exemplars of queuetel's histograms, which it drops.
 *
 * `resource_metrics` is a repeated field, and a protobuf message may list a repeated field's
 * elements anywhere, so two encodings concatenated are one request. The SDK encodes everything but
 * the histograms that carry exemplars; those follow as one more `ResourceMetrics` with the same
 * resource (its bytes taken from the SDK's own encoding of it) and the same scopes. If anything
 * here fails, the export goes out as the SDK encodes it, without exemplars.
 */
export const exemplarProtobufSerializer: MetricsSerializer = {
  serializeRequest(metrics) {
    const split = splitExemplars(metrics);
    if (split === undefined) return stockProtobuf.serializeRequest(metrics);
    try {
      const rest = stockProtobuf.serializeRequest({ ...metrics, scopeMetrics: split.rest });
      const resourceOnly = stockProtobuf.serializeRequest({ ...metrics, scopeMetrics: [] });
      if (rest === undefined || resourceOnly === undefined)
        throw new Error('the SDK serializer returned nothing');
      const resourceMetrics = new ProtobufWriter().fields(onlyElement(resourceOnly));
      for (const scope of split.exemplary) {
        resourceMetrics.bytes(SCOPE_METRICS_FIELD, encodeScopeMetrics(scope.scope, scope.metrics));
      }
      return concat([
        rest,
        new ProtobufWriter().bytes(RESOURCE_METRICS_FIELD, resourceMetrics.finish()).finish(),
      ]);
    } catch (error) {
      warnOnce(error);
      return stockProtobuf.serializeRequest(metrics);
    }
  },
  deserializeResponse: (data) => stockProtobuf.deserializeResponse(data),
};

/**
 * The SDK's OTLP/JSON serializer, plus the exemplars of queuetel's histograms: its request is parsed
 * back, once per export, and each histogram point given the exemplars of the point it came from
 * (the SDK keeps the order of scopes, metrics and points).
 */
export const exemplarJsonSerializer: MetricsSerializer = {
  serializeRequest(metrics) {
    const encoded = stockJson.serializeRequest(metrics);
    if (encoded === undefined || splitExemplars(metrics) === undefined) return encoded;
    try {
      const request = JSON.parse(new TextDecoder().decode(encoded)) as JsonRequest;
      const scopes = request.resourceMetrics[0]!.scopeMetrics;
      metrics.scopeMetrics.forEach((scope, s) => {
        scope.metrics.forEach((metric, m) => {
          if (!hasExemplars(metric)) return;
          const points = scopes[s]!.metrics[m]!.histogram!.dataPoints;
          metric.dataPoints.forEach((point, p) => {
            const exemplars = jsonExemplars(point);
            if (exemplars) points[p]!.exemplars = exemplars;
          });
        });
      });
      return new TextEncoder().encode(JSON.stringify(request));
    } catch (error) {
      warnOnce(error);
      return encoded;
    }
  },
  deserializeResponse: (data) => stockJson.deserializeResponse(data),
};

interface JsonRequest {
  resourceMetrics: {
    scopeMetrics: { metrics: { histogram?: { dataPoints: { exemplars?: object[] }[] } }[] }[];
  }[];
}

interface ExemplaryScope {
  readonly scope: ScopeMetrics['scope'];
  readonly metrics: Parameters<typeof encodeScopeMetrics>[1];
}

/** The histograms that carry exemplars, apart from everything else; undefined when there are none. */
function splitExemplars(
  metrics: ResourceMetrics,
): { rest: ScopeMetrics[]; exemplary: ExemplaryScope[] } | undefined {
  const rest: ScopeMetrics[] = [];
  const exemplary: ExemplaryScope[] = [];
  for (const scope of metrics.scopeMetrics) {
    const withExemplars = scope.metrics.filter(hasExemplars);
    if (withExemplars.length === 0) {
      rest.push(scope);
      continue;
    }
    exemplary.push({ scope: scope.scope, metrics: withExemplars });
    const others = scope.metrics.filter((metric) => !withExemplars.includes(metric as HistogramMetricData));
    if (others.length > 0) rest.push({ ...scope, metrics: others });
  }
  return exemplary.length === 0 ? undefined : { rest, exemplary };
}

/** The body of the one `resource_metrics` element of an encoded request. */
function onlyElement(request: Uint8Array): Uint8Array {
  if (request[0] !== RESOURCE_METRICS_FIELD * 8 + 2)
    throw new Error('unexpected first field in the SDK request');
  const { value: length, next } = readVarint(request, 1);
  if (next + length !== request.length) throw new Error('the SDK request holds more than one resource');
  return request.subarray(next);
}

let warned = false;
function warnOnce(error: unknown): void {
  if (warned) return;
  warned = true;
  diag.warn('queuetel: adding exemplars to a metrics export failed; exporting without them', error);
}
