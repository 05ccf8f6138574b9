import {
  ROOT_CONTEXT,
  propagation,
  trace,
  type Context,
  type SpanContext,
  type TextMapGetter,
  type TextMapPropagator,
  type TextMapSetter,
} from '@opentelemetry/api';

/** Trace context as it travels with a job: string header names to string values. */
export type Carrier = Record<string, string>;

// Only string values are ever handed to a propagator, so a carrier that was edited, truncated or
// replaced by something else in the database can at worst be ignored.
const STRING_ONLY_GETTER: TextMapGetter<Record<string, unknown>> = {
  keys: (carrier) => Object.keys(carrier).filter((key) => typeof carrier[key] === 'string'),
  get: (carrier, key) => {
    const value = carrier[key];
    return typeof value === 'string' ? value : undefined;
  },
};

const SETTER: TextMapSetter<Carrier> = {
  set: (carrier, key, value) => {
    carrier[key] = value;
  },
};

/** The trace context of `context` as a carrier, or undefined when there is nothing to send. */
export function injectCarrier(context: Context, propagator?: TextMapPropagator): Carrier | undefined {
  const carrier: Carrier = {};
  try {
    if (propagator) propagator.inject(context, carrier, SETTER);
    else propagation.inject(context, carrier, SETTER);
  } catch {
    return undefined;
  }
  return Object.keys(carrier).length > 0 ? carrier : undefined;
}

/** A context extracted from a job's carrier, and the remote span context in it, if valid. */
export interface ExtractedContext {
  readonly context: Context;
  readonly spanContext: SpanContext;
}

/**
 * Reads a carrier that came out of a job. Anything that is not a plain object with a valid trace
 * context, including a propagator that throws, yields undefined: the job runs untraced-to-its-source.
 */
export function extractCarrier(
  carrier: unknown,
  propagator?: TextMapPropagator,
): ExtractedContext | undefined {
  if (carrier === null || typeof carrier !== 'object' || Array.isArray(carrier)) return undefined;
  try {
    const record = carrier as Record<string, unknown>;
    const context = propagator
      ? propagator.extract(ROOT_CONTEXT, record, STRING_ONLY_GETTER)
      : propagation.extract(ROOT_CONTEXT, record, STRING_ONLY_GETTER);
    const spanContext = trace.getSpanContext(context);
    if (!spanContext || !trace.isSpanContextValid(spanContext)) return undefined;
    return { context, spanContext };
  } catch {
    return undefined;
  }
}
