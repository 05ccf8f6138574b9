import { SpanStatusCode, type Span } from '@opentelemetry/api';
import { ATTR_ERROR_TYPE, ERROR_TYPE_OTHER } from '../names.js';
import { describe } from '../safe.js';

/**
 * A low-cardinality class for anything thrown: an Error's constructor name, or `_OTHER` for a
 * thrown string, number or plain object, whose class cannot be named.
 */
export function errorTypeOf(error: unknown): string {
  if (!(error instanceof Error)) return ERROR_TYPE_OTHER;
  const name = error.constructor?.name || error.name;
  return typeof name === 'string' && name.length > 0 ? name : ERROR_TYPE_OTHER;
}

/**
 * Marks a span failed: status ERROR and `error.type`, with an exception event when the handler
 * threw. Without a thrown value the queue gave up on the attempt itself (it ran out of time).
 */
export function recordFailure(span: Span, errorType: string, failure?: { readonly error: unknown }): void {
  span.setAttribute(ATTR_ERROR_TYPE, errorType);
  if (!failure) {
    span.setStatus({ code: SpanStatusCode.ERROR, message: errorType });
    return;
  }
  const { error } = failure;
  if (error instanceof Error) {
    span.recordException(error);
    span.setStatus({ code: SpanStatusCode.ERROR, message: error.message });
  } else {
    const message = describe(error);
    span.recordException(message);
    span.setStatus({ code: SpanStatusCode.ERROR, message });
  }
}
