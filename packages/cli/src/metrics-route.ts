import type { IncomingMessage, ServerResponse } from 'node:http';
import { PrometheusSerializer, type PrometheusExporter } from '@opentelemetry/exporter-prometheus';
import type { ResourceMetrics } from '@opentelemetry/sdk-metrics';
import type { Access, AccessScope } from '@queuetel/health';

/**
 * `GET /metrics` behind the endpoint's tokens. The unscoped token gets the exporter's own answer;
 * a scoped token gets the same text made from only the points it may see, so that no other
 * queue's name or numbers reach it.
 */
export function serveMetrics(
  prometheus: PrometheusExporter,
  access: Access,
): (request: IncomingMessage, response: ServerResponse) => void {
  const serializer = new PrometheusSerializer();
  return (request, response) => {
    const scope = access.scopeOf(request);
    if (!scope) {
      response.writeHead(401, { 'WWW-Authenticate': 'Bearer realm="queuetel"' }).end();
      return;
    }
    if (scope.all) {
      prometheus.getMetricsRequestHandler(request, response);
      return;
    }
    prometheus.collect().then(
      ({ resourceMetrics }) => {
        response.writeHead(200, { 'Content-Type': 'text/plain' });
        response.end(serializer.serialize(visibleMetrics(resourceMetrics, scope)));
      },
      () => {
        response.writeHead(500, { 'Content-Type': 'text/plain' }).end('# failed to collect metrics\n');
      },
    );
  };
}

/** The metrics with only the points `scope` sees; a metric left with none is left out. */
export function visibleMetrics(resourceMetrics: ResourceMetrics, scope: AccessScope): ResourceMetrics {
  return {
    resource: resourceMetrics.resource,
    scopeMetrics: resourceMetrics.scopeMetrics.map((scopeMetrics) => ({
      scope: scopeMetrics.scope,
      metrics: scopeMetrics.metrics.flatMap((metric) => {
        const dataPoints = (metric.dataPoints as { attributes: Record<string, unknown> }[]).filter((point) =>
          scope.seesPoint(point.attributes as never),
        );
        return dataPoints.length === 0 ? [] : [{ ...metric, dataPoints } as typeof metric];
      }),
    })),
  };
}
