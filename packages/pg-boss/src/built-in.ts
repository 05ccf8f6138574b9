import { trace, type Span } from '@opentelemetry/api';
import type { PgBossLike } from './types.js';

/** The instrumentation scope pg-boss's own spans are created under. */
const PG_BOSS_SCOPE = 'pg-boss';

/**
 * pg-boss 12.38 is the first release with built-in OpenTelemetry, and the first with an instance
 * registry; `getInstances()` is how an instance shows which side of that line it is on.
 */
export function hasBuiltInTelemetry(boss: PgBossLike): boolean {
  return typeof boss.getInstances === 'function';
}

/**
 * The process span pg-boss itself started around the running handler, if there is one. Read from
 * the span's instrumentation scope (part of the SDK's ReadableSpan), so a span of the user's own
 * that happens to be active is never mistaken for it.
 */
export function activeBuiltInSpan(): Span | undefined {
  const span = trace.getActiveSpan();
  if (!span?.isRecording()) return undefined;
  const scope = (span as { instrumentationScope?: { name?: unknown } }).instrumentationScope;
  return scope?.name === PG_BOSS_SCOPE ? span : undefined;
}
