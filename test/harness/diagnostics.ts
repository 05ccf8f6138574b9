import { diag, DiagLogLevel } from '@opentelemetry/api';

/**
 * What the SDK reported through OpenTelemetry's `diag` logger, as text only: some SDK debug calls
 * pass whole export payloads, and keeping those would skew a memory measurement.
 */
export interface DiagnosticsCapture {
  readonly messages: readonly string[];
  some(pattern: RegExp): boolean;
  stop(): void;
}

export function captureDiagnostics(level: DiagLogLevel = DiagLogLevel.WARN): DiagnosticsCapture {
  const messages: string[] = [];
  const keep =
    (prefix: string) =>
    (message: string, ...args: unknown[]): void => {
      const detail = args.map((arg) =>
        arg instanceof Error ? arg.message : typeof arg === 'string' ? arg : '',
      );
      messages.push(`${prefix} ${message} ${detail.join(' ')}`.slice(0, 500));
    };
  diag.setLogger(
    {
      error: keep('error'),
      warn: keep('warn'),
      info: keep('info'),
      debug: keep('debug'),
      verbose: () => {},
    },
    { logLevel: level, suppressOverrideMessage: true },
  );
  return {
    messages,
    some: (pattern) => messages.some((message) => pattern.test(message)),
    stop: () => diag.disable(),
  };
}

/** Collects unhandled promise rejections while a test runs. */
export function captureUnhandledRejections(): { readonly reasons: unknown[]; stop(): void } {
  const reasons: unknown[] = [];
  const listener = (reason: unknown): void => {
    reasons.push(reason);
  };
  process.on('unhandledRejection', listener);
  return { reasons, stop: () => process.removeListener('unhandledRejection', listener) };
}
