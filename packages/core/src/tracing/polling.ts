import { context } from '@opentelemetry/api';
import { isTracingSuppressed, suppressTracing, unsuppressTracing } from '@opentelemetry/core';

// A worker polls its queue every second or two, and keeps bookkeeping rows (heartbeats, maintenance)
// up to date. With a database instrumentation such as instrumentation-pg loaded, each of those
// queries would become a span of its own: thousands a day from an idle worker, burying the traces
// that carry jobs. They run in OpenTelemetry's suppressed-tracing context instead, which every
// instrumentation built on the SDK honours, unless the user asks to keep them (`tracePolling`).

/**
 * Runs `fn` so that no instrumentation records a span for what it does, nor for anything it starts
 * later (timers and loops inherit the context); with `keepTraced` true, runs it as it is.
 */
export function runUntraced<T>(keepTraced: boolean, fn: () => T): T {
  if (keepTraced) return fn();
  return context.with(suppressTracing(context.active()), fn);
}

/**
 * Runs `fn` traced again: for a user's handler called from a loop started by {@link runUntraced},
 * whose own queries and calls the user does want to see.
 */
export function runTraced<T>(fn: () => T): T {
  const active = context.active();
  return isTracingSuppressed(active) ? context.with(unsuppressTracing(active), fn) : fn();
}
