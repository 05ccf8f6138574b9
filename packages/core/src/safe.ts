import { diag } from '@opentelemetry/api';

/**
 * Reports a failure of telemetry itself through `diag`, once per `key`: a broken extractor or hook
 * fails on every job, and a log line per job would bury the application's own logs.
 */
export class OnceReporter {
  readonly #reported = new Set<string>();

  report(key: string, message: string, error?: unknown): void {
    if (this.#reported.has(key)) return;
    this.#reported.add(key);
    diag.warn(`queuetel: ${message}${error === undefined ? '' : `: ${describe(error)}`}`);
  }
}

/** A one-line description of anything thrown, for logs. */
export function describe(error: unknown): string {
  // Guarded whole: `instanceof` throws on a revoked proxy, and an Error's getters may throw.
  try {
    if (error instanceof Error) return `${String(error.name)}: ${String(error.message)}`;
    return String(error);
  } catch {
    return 'an unprintable value';
  }
}
