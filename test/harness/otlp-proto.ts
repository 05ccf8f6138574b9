import protobuf from 'protobufjs';

/**
 * The OTLP protobuf schema (opentelemetry-proto, v1) the test receivers decode: field numbers as the
 * specification has them. Every field that can carry text is here (attributes, event and link
 * attributes, scope attributes, log bodies, metric descriptions and metadata, exemplars), so a scan
 * of the decoded body sees all the text that was exported; only numbers the tests never read
 * (timestamps, dropped counts, flags) are left out, and protobuf skips them.
 */
const SCHEMA = `
syntax = "proto3";
package otlp;
message AnyValue {
  oneof value {
    string string_value = 1; bool bool_value = 2; int64 int_value = 3; double double_value = 4;
    ArrayValue array_value = 5; KeyValueList kvlist_value = 6; bytes bytes_value = 7;
  }
}
message ArrayValue { repeated AnyValue values = 1; }
message KeyValueList { repeated KeyValue values = 1; }
message KeyValue { string key = 1; AnyValue value = 2; }
message Resource { repeated KeyValue attributes = 1; }
message Scope { string name = 1; string version = 2; repeated KeyValue attributes = 3; }
message Status { string message = 2; int32 code = 3; }
message Event { string name = 2; repeated KeyValue attributes = 3; }
message Link { bytes trace_id = 1; bytes span_id = 2; string trace_state = 3; repeated KeyValue attributes = 4; }
message Span {
  bytes trace_id = 1; bytes span_id = 2; string trace_state = 3; bytes parent_span_id = 4; string name = 5;
  int32 kind = 6; repeated KeyValue attributes = 9; repeated Event events = 11; repeated Link links = 13;
  Status status = 15;
}
message ScopeSpans { Scope scope = 1; repeated Span spans = 2; string schema_url = 3; }
message ResourceSpans { Resource resource = 1; repeated ScopeSpans scope_spans = 2; string schema_url = 3; }
message TracesRequest { repeated ResourceSpans resource_spans = 1; }
message Exemplar {
  repeated KeyValue filtered_attributes = 7; fixed64 time_unix_nano = 2; bytes span_id = 4; bytes trace_id = 5;
  oneof value { double as_double = 3; sfixed64 as_int = 6; }
}
message NumberDataPoint {
  repeated KeyValue attributes = 7; oneof value { double as_double = 4; sfixed64 as_int = 6; }
  repeated Exemplar exemplars = 5;
}
message HistogramDataPoint {
  repeated KeyValue attributes = 9; fixed64 count = 4; optional double sum = 5;
  repeated fixed64 bucket_counts = 6; repeated double explicit_bounds = 7; repeated Exemplar exemplars = 8;
  optional double min = 11; optional double max = 12;
}
message Buckets { sint32 offset = 1; repeated uint64 bucket_counts = 2; }
message ExponentialHistogramDataPoint {
  repeated KeyValue attributes = 1; fixed64 count = 4; optional double sum = 5; sint32 scale = 6;
  fixed64 zero_count = 7; Buckets positive = 8; Buckets negative = 9; repeated Exemplar exemplars = 11;
  optional double min = 12; optional double max = 13;
}
message ValueAtQuantile { double quantile = 1; double value = 2; }
message SummaryDataPoint {
  repeated KeyValue attributes = 7; fixed64 count = 4; double sum = 5; repeated ValueAtQuantile quantile_values = 6;
}
message Gauge { repeated NumberDataPoint data_points = 1; }
message Sum { repeated NumberDataPoint data_points = 1; int32 aggregation_temporality = 2; bool is_monotonic = 3; }
message Histogram { repeated HistogramDataPoint data_points = 1; int32 aggregation_temporality = 2; }
message ExponentialHistogram { repeated ExponentialHistogramDataPoint data_points = 1; int32 aggregation_temporality = 2; }
message Summary { repeated SummaryDataPoint data_points = 1; }
message Metric {
  string name = 1; string description = 2; string unit = 3; Gauge gauge = 5; Sum sum = 7; Histogram histogram = 9;
  ExponentialHistogram exponential_histogram = 10; Summary summary = 11; repeated KeyValue metadata = 12;
}
message ScopeMetrics { Scope scope = 1; repeated Metric metrics = 2; string schema_url = 3; }
message ResourceMetrics { Resource resource = 1; repeated ScopeMetrics scope_metrics = 2; string schema_url = 3; }
message MetricsRequest { repeated ResourceMetrics resource_metrics = 1; }
message LogRecord {
  int32 severity_number = 2; string severity_text = 3; AnyValue body = 5; repeated KeyValue attributes = 6;
  bytes trace_id = 9; bytes span_id = 10; string event_name = 12;
}
message ScopeLogs { Scope scope = 1; repeated LogRecord log_records = 2; string schema_url = 3; }
message ResourceLogs { Resource resource = 1; repeated ScopeLogs scope_logs = 2; string schema_url = 3; }
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
