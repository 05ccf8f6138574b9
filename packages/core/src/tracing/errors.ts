import { SpanStatusCode, type Exception, type Span } from '@opentelemetry/api';
import { ATTR_ERROR_TYPE, ERROR_TYPE_OTHER } from '../names.js';
import { describe } from '../safe.js';

/**
 * A low-cardinality class for anything thrown: an Error's constructor name, or `_OTHER` for a
 * thrown string, number or plain object, whose class cannot be named. Never throws: a handler may
 * throw a revoked proxy (which `instanceof` throws on) or an Error whose getters throw.
 */
export function errorTypeOf(error: unknown): string {
  try {
    if (!(error instanceof Error)) return ERROR_TYPE_OTHER;
    const name = error.constructor?.name || error.name;
    return typeof name === 'string' && name.length > 0 ? name : ERROR_TYPE_OTHER;
  } catch {
    return ERROR_TYPE_OTHER;
  }
}

/** An Error's message, or a description of any other value; never throws. */
export function messageOf(error: unknown): string {
  const message = readString(() => (error instanceof Error ? error.message : undefined));
  return message ?? describe(error);
}

/**
 * Marks a span failed: status ERROR, `error.type`, and an exception event. The message and stack go
 * in the event only (the status carries none), and only with `messages`. The event is built here
 * from fields read one at a time, never by handing the thrown value to the SDK, which reads its
 * getters unguarded.
 */
export function recordFailure(span: Span, error: unknown, errorType: string, messages = true): void {
  span.setAttribute(ATTR_ERROR_TYPE, errorType);
  const exception: Exception = { name: errorType };
  if (messages) {
    exception.message = messageOf(error);
    const stack = readString(() => (error instanceof Error ? error.stack : undefined));
    if (stack !== undefined) exception.stack = stack;
  }
  span.recordException(exception);
  span.setStatus({ code: SpanStatusCode.ERROR });
}

function readString(read: () => unknown): string | undefined {
  try {
    const value = read();
    return typeof value === 'string' ? value : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Marks a span failed for a reason the queue itself named, with nothing thrown: a handler that ran
 * past its time limit and then returned. Status ERROR and `error.type`; no exception event.
 */
export function recordQueueFailure(span: Span, errorType: string): void {
  span.setAttribute(ATTR_ERROR_TYPE, errorType);
  span.setStatus({ code: SpanStatusCode.ERROR });
}
