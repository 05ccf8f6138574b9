import protobuf from 'protobufjs';

/**
 * The part of the OTLP protobuf schema (opentelemetry-proto, v1) the test receivers decode: field
 * numbers as the specification has them, fields the tests never read left out (protobuf skips them).
 */
const SCHEMA = `
syntax = "proto3";
package otlp;
message AnyValue { oneof value { string string_value = 1; bool bool_value = 2; int64 int_value = 3; double double_value = 4; } }
message KeyValue { string key = 1; AnyValue value = 2; }
message Resource { repeated KeyValue attributes = 1; }
message Scope { string name = 1; string version = 2; }
message Status { string message = 2; int32 code = 3; }
message Link { bytes trace_id = 1; bytes span_id = 2; }
message Span {
  bytes trace_id = 1; bytes span_id = 2; bytes parent_span_id = 4; string name = 5; int32 kind = 6;
  repeated KeyValue attributes = 9; repeated Link links = 13; Status status = 15;
}
message ScopeSpans { Scope scope = 1; repeated Span spans = 2; }
message ResourceSpans { Resource resource = 1; repeated ScopeSpans scope_spans = 2; }
message TracesRequest { repeated ResourceSpans resource_spans = 1; }
message NumberDataPoint { repeated KeyValue attributes = 7; oneof value { double as_double = 4; sfixed64 as_int = 6; } }
message HistogramDataPoint {
  repeated KeyValue attributes = 9; fixed64 count = 4; optional double sum = 5;
  repeated fixed64 bucket_counts = 6; repeated double explicit_bounds = 7;
}
message Gauge { repeated NumberDataPoint data_points = 1; }
message Sum { repeated NumberDataPoint data_points = 1; int32 aggregation_temporality = 2; bool is_monotonic = 3; }
message Histogram { repeated HistogramDataPoint data_points = 1; int32 aggregation_temporality = 2; }
message Metric { string name = 1; string unit = 3; Gauge gauge = 5; Sum sum = 7; Histogram histogram = 9; }
message ScopeMetrics { Scope scope = 1; repeated Metric metrics = 2; }
message ResourceMetrics { Resource resource = 1; repeated ScopeMetrics scope_metrics = 2; }
message MetricsRequest { repeated ResourceMetrics resource_metrics = 1; }
message LogRecord { repeated KeyValue attributes = 6; AnyValue body = 5; }
message ScopeLogs { Scope scope = 1; repeated LogRecord log_records = 2; }
message ResourceLogs { Resource resource = 1; repeated ScopeLogs scope_logs = 2; }
message LogsRequest { repeated ResourceLogs resource_logs = 1; }
`;

const root = protobuf.parse(SCHEMA).root;

/** The OTLP signal of a request path or gRPC method. */
export type Signal = 'traces' | 'metrics' | 'logs';

const REQUEST_TYPES: Record<Signal, string> = {
  traces: 'otlp.TracesRequest',
  metrics: 'otlp.MetricsRequest',
  logs: 'otlp.LogsRequest',
};

/**
 * A protobuf export request decoded into the shape OTLP/JSON has (camelCase fields, hex ids), so
 * one decoder of the JSON shape serves every protocol.
 */
export function decodeProtobufRequest(signal: Signal, bytes: Uint8Array): unknown {
  const type = root.lookupType(REQUEST_TYPES[signal]);
  const object = type.toObject(type.decode(bytes), { longs: Number, bytes: String, defaults: false });
  return hexIds(object);
}

const ID_FIELDS = new Set(['traceId', 'spanId', 'parentSpanId']);

function hexIds(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(hexIds);
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(
    Object.entries(value).map(([key, inner]) => [
      key,
      ID_FIELDS.has(key) && typeof inner === 'string'
        ? Buffer.from(inner, 'base64').toString('hex')
        : hexIds(inner),
    ]),
  );
}
