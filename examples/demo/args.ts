import { parseArgs } from 'node:util';

/** What the command line asks of the demo. */
export interface DemoArgs {
  /** Deliveries enqueued per second, split between pg-boss and pgmq. */
  readonly rate: number;
  /** Seconds to run before stopping by itself; undefined runs until Ctrl-C. */
  readonly durationSeconds: number | undefined;
  /** Port of the /health endpoint; 0 picks a free one. */
  readonly port: number;
}

export const USAGE = `Usage: npm run demo -- [--rate <jobs/s>] [--duration <seconds>] [--port <port>]

  --rate      deliveries enqueued per second, half on pg-boss and half on pgmq (default 20)
  --duration  stop by itself after this many seconds (default: run until Ctrl-C)
  --port      port of the /health endpoint (default 9477; 0 picks a free one)

  DATABASE_URL                 use this PostgreSQL instead of a throwaway one
  OTEL_EXPORTER_OTLP_ENDPOINT  also export traces and metrics there, such as http://localhost:4318`;

/** Thrown for a command line the demo cannot run with; its message is the one line to print. */
export class UsageError extends Error {
  override name = 'UsageError';
}

export function parseDemoArgs(argv: readonly string[]): DemoArgs | 'help' {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...argv],
      options: {
        rate: { type: 'string' },
        duration: { type: 'string' },
        port: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
    }).values;
  } catch (error) {
    throw new UsageError(`${(error as Error).message}. Run npm run demo -- --help for the options.`);
  }
  if (parsed.help) return 'help';
  return {
    rate: numberOption('--rate', parsed.rate, 20, 0.1, 1000),
    durationSeconds:
      parsed.duration === undefined ? undefined : numberOption('--duration', parsed.duration, 0, 1, 86_400),
    port: numberOption('--port', parsed.port, 9477, 0, 65_535, true),
  };
}

function numberOption(
  flag: string,
  text: string | undefined,
  fallback: number,
  min: number,
  max: number,
  whole = false,
): number {
  if (text === undefined) return fallback;
  const value = Number(text);
  if (!Number.isFinite(value) || value < min || value > max || (whole && !Number.isInteger(value))) {
    throw new UsageError(
      `${flag} must be a ${whole ? 'whole ' : ''}number from ${min} to ${max}, got '${text}'`,
    );
  }
  return value;
}
