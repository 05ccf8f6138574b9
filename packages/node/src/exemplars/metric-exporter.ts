import { OTLPMetricExporterBase } from '@opentelemetry/exporter-metrics-otlp-http';
import {
  convertLegacyHttpOptions,
  createOtlpHttpExportDelegate,
} from '@opentelemetry/otlp-exporter-base/node-http';
import {
  convertLegacyOtlpGrpcOptions,
  createOtlpGrpcExportDelegate,
} from '@opentelemetry/otlp-grpc-exporter-base';
import { MetricsExporterMetricsHelper } from '@opentelemetry/otlp-transformer';
import { exemplarJsonSerializer, exemplarProtobufSerializer } from './serializers.js';

type Delegate = ConstructorParameters<typeof OTLPMetricExporterBase>[0];

/** What the SDK's own OTLP metric exporters report themselves as, in their self-observability metrics. */
const HTTP_COMPONENT_TYPE = 'otlp_http_metric_exporter';
const GRPC_COMPONENT_TYPE = 'otlp_grpc_metric_exporter';

const HTTP_FORMATS = {
  'http/protobuf': { serializer: exemplarProtobufSerializer, contentType: 'application/x-protobuf' },
  'http/json': { serializer: exemplarJsonSerializer, contentType: 'application/json' },
} as const;

export type ExemplarProtocol = keyof typeof HTTP_FORMATS | 'grpc';

/**
 * The SDK's OTLP metric exporter, assembled from the same public parts as the SDK's own
 * (`OTLPMetricExporterBase`, the HTTP or gRPC export delegate, the options read from
 * `OTEL_EXPORTER_OTLP_*`: endpoint, headers, compression, timeout, TLS; the delegate's retries),
 * with a serializer that keeps the exemplars of queuetel's job histograms.
 */
export class ExemplarMetricExporter extends OTLPMetricExporterBase {
  constructor(protocol: ExemplarProtocol) {
    super(delegateFor(protocol));
  }
}

function delegateFor(protocol: ExemplarProtocol): Delegate {
  const metricsHelper = MetricsExporterMetricsHelper;
  if (protocol === 'grpc') {
    return createOtlpGrpcExportDelegate(
      convertLegacyOtlpGrpcOptions({}, 'METRICS'),
      exemplarProtobufSerializer,
      GRPC_COMPONENT_TYPE,
      metricsHelper,
      undefined,
      'MetricsExportService',
      '/opentelemetry.proto.collector.metrics.v1.MetricsService/Export',
    );
  }
  const { serializer, contentType } = HTTP_FORMATS[protocol];
  return createOtlpHttpExportDelegate(
    convertLegacyHttpOptions({}, 'METRICS', 'v1/metrics', { 'Content-Type': contentType }),
    serializer,
    HTTP_COMPONENT_TYPE,
    metricsHelper,
    undefined,
  );
}
