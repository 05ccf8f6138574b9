import type { MeterProvider, TextMapPropagator, TracerProvider } from '@opentelemetry/api';
import { DEFAULT_MAX_LENGTH, DEFAULT_MAX_VALUES } from './labels/label-guard.js';
import { getGlobalMetricProducer, type QueuetelMetricProducer } from './metrics/metric-producer.js';
import { LABEL_KEY_PATTERN, RESERVED_LABEL_KEYS, RESERVED_LABEL_PREFIXES } from './names.js';
import {
  QueuetelConfigError,
  expectBoolean,
  expectFunction,
  expectKnownKeys,
  expectOneOf,
  expectWholeNumber,
  typeName,
} from './validation.js';
import type {
  EndHook,
  InstrumentationOptions,
  LabelDefinitions,
  ProducerRelationship,
  StartHook,
} from './types.js';

/** The options every instrumentation shares, checked and with defaults filled in. */
export interface ResolvedOptions<Job> {
  readonly tracerProvider: TracerProvider | undefined;
  readonly meterProvider: MeterProvider | undefined;
  readonly metricProducer: QueuetelMetricProducer | undefined;
  readonly propagator: TextMapPropagator | undefined;
  readonly labels: LabelDefinitions<Job>;
  readonly producerRelationship: ProducerRelationship;
  readonly tracing: boolean;
  readonly metrics: boolean;
  readonly exceptionMessages: boolean;
  readonly startHook: StartHook<Job> | undefined;
  readonly endHook: EndHook<Job> | undefined;
  readonly maxLabelCombinations: number;
  readonly maxQueues: number;
  readonly tracePolling: boolean;
}

const SHARED_KEYS = [
  'tracerProvider',
  'meterProvider',
  'metricProducer',
  'propagator',
  'labels',
  'producerRelationship',
  'tracing',
  'metrics',
  'exceptionMessages',
  'startHook',
  'endHook',
  'maxLabelCombinations',
  'maxQueues',
  'tracePolling',
] as const satisfies readonly (keyof InstrumentationOptions<unknown>)[];

const RELATIONSHIPS: readonly ProducerRelationship[] = ['link', 'child', 'none'];

const LABEL_SETTINGS = ['from', 'normalize', 'values', 'maxValues', 'maxLength'];

/**
 * Checks an instrumentation's options once, at construction. `adapterKeys` are the extra options
 * the adapter itself reads (and checks); any other unknown key is a typo and is refused.
 */
export function resolveOptions<Job>(
  options: InstrumentationOptions<Job> | undefined,
  adapterKeys: readonly string[] = [],
): ResolvedOptions<Job> {
  if (options === undefined) options = {};
  expectKnownKeys(undefined, options, [...SHARED_KEYS, ...adapterKeys]);
  const o = options;
  expectMethods('tracerProvider', o.tracerProvider, ['getTracer']);
  expectMethods('meterProvider', o.meterProvider, ['getMeter']);
  expectMethods('metricProducer', o.metricProducer, ['storeFor', 'collect']);
  expectMethods('propagator', o.propagator, ['inject', 'extract']);
  expectOneOf('producerRelationship', o.producerRelationship, RELATIONSHIPS);
  expectBoolean('tracing', o.tracing);
  expectBoolean('metrics', o.metrics);
  expectBoolean('exceptionMessages', o.exceptionMessages);
  expectBoolean('tracePolling', o.tracePolling);
  expectFunction('startHook', o.startHook);
  expectFunction('endHook', o.endHook);
  expectWholeNumber('maxLabelCombinations', o.maxLabelCombinations, 1, 100_000);
  expectWholeNumber('maxQueues', o.maxQueues, 1, 10_000);
  const labels = checkLabels(o.labels);

  // An explicit meter provider means the user wants the plain Meter path; otherwise the fast path
  // is taken whenever a producer is at hand.
  const metricProducer =
    o.metricProducer ?? (o.meterProvider === undefined ? getGlobalMetricProducer() : undefined);

  return {
    tracerProvider: o.tracerProvider,
    meterProvider: o.meterProvider,
    metricProducer,
    propagator: o.propagator,
    labels,
    producerRelationship: o.producerRelationship ?? 'link',
    tracing: o.tracing ?? true,
    metrics: o.metrics ?? true,
    exceptionMessages: o.exceptionMessages ?? true,
    startHook: o.startHook,
    endHook: o.endHook,
    maxLabelCombinations: o.maxLabelCombinations ?? 500,
    maxQueues: o.maxQueues ?? 200,
    tracePolling: o.tracePolling ?? false,
  };
}

function checkLabels<Job>(labels: unknown): LabelDefinitions<Job> {
  if (labels === undefined) return Object.freeze({});
  if (labels === null || typeof labels !== 'object' || Array.isArray(labels)) {
    throw new QueuetelConfigError(
      'labels',
      `must be an object of label definitions, got ${typeName(labels)}`,
    );
  }
  const checked: Record<string, unknown> = {};
  for (const [key, definition] of Object.entries(labels as Record<string, unknown>)) {
    const field = `labels.${key}`;
    if (!LABEL_KEY_PATTERN.test(key)) {
      throw new QueuetelConfigError(
        field,
        'has an invalid key: use lower-case snake_case of up to 63 characters, such as http_status_code',
      );
    }
    const collision = reservedKeyReason(key);
    if (collision) {
      throw new QueuetelConfigError(
        field,
        `uses a reserved key: '${key}' would collide with ${collision}; choose another name, such as '${key}_name'`,
      );
    }
    if (definition === null || typeof definition !== 'object') {
      throw new QueuetelConfigError(field, `must be an object with a 'from', got ${typeName(definition)}`);
    }
    const d = definition as Record<string, unknown>;
    expectKnownKeys(field, d, LABEL_SETTINGS, 'label setting');
    if (!(typeof d.from === 'function' || (typeof d.from === 'string' && d.from.length > 0))) {
      throw new QueuetelConfigError(
        `${field}.from`,
        `must be a dotted path such as 'data.${key}' or a function of the job, got ${typeName(d.from)}`,
      );
    }
    expectFunction(`${field}.normalize`, d.normalize);
    if (d.values !== undefined) {
      if (!Array.isArray(d.values) || d.values.length === 0) {
        throw new QueuetelConfigError(`${field}.values`, 'must be a non-empty array of strings');
      }
      d.values.forEach((value, i) => {
        if (typeof value !== 'string' || value.length === 0) {
          throw new QueuetelConfigError(
            `${field}.values[${i}]`,
            `must be a non-empty string, got ${typeName(value)}`,
          );
        }
      });
    }
    expectWholeNumber(`${field}.maxValues`, d.maxValues, 1, 10_000);
    expectWholeNumber(`${field}.maxLength`, d.maxLength, 1, 1_000);
    checked[key] = Object.freeze({
      ...d,
      maxValues: d.maxValues ?? DEFAULT_MAX_VALUES,
      maxLength: d.maxLength ?? DEFAULT_MAX_LENGTH,
    });
  }
  return Object.freeze(checked) as LabelDefinitions<Job>;
}

function reservedKeyReason(key: string): string | undefined {
  if (Object.hasOwn(RESERVED_LABEL_KEYS, key)) return RESERVED_LABEL_KEYS[key];
  const prefix = Object.keys(RESERVED_LABEL_PREFIXES).find((p) => key.startsWith(p));
  return prefix === undefined ? undefined : RESERVED_LABEL_PREFIXES[prefix];
}

function expectMethods(field: string, value: unknown, methods: readonly string[]): void {
  if (value === undefined) return;
  const missing = methods.filter(
    (m) => value === null || typeof (value as Record<string, unknown>)[m] !== 'function',
  );
  if (missing.length > 0) {
    throw new QueuetelConfigError(field, `must have a ${missing.join('() and a ')}() method`);
  }
}
