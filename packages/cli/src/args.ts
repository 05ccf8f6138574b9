import { readFileSync } from 'node:fs';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { checkThresholds, type HealthThresholds, type ReadOptions } from '@queuetel/health';
import { UsageError } from './exit-codes.js';

type Options = NonNullable<ParseArgsConfig['options']>;

/** The flags every command that reads the database shares. */
export const READ_FLAGS = {
  'database-url': { type: 'string' },
  schema: { type: 'string', multiple: true },
  'no-pg-boss': { type: 'boolean' },
  pgmq: { type: 'boolean' },
  'no-pgmq': { type: 'boolean' },
  queue: { type: 'string', multiple: true },
  'statement-timeout': { type: 'string' },
  thresholds: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const satisfies Options;

type Values<O extends Options> = ReturnType<typeof parseArgs<{ options: O; strict: true }>>['values'];

/** Parses a command's flags; an unknown flag or a stray argument is a usage error. */
export function parse<const O extends Options>(
  command: string,
  argv: readonly string[],
  options: O,
): Values<O> {
  try {
    return parseArgs({ args: [...argv], options, strict: true, allowPositionals: false }).values;
  } catch (error) {
    throw new UsageError((error as Error).message.replace(/\. To specify.*$/s, ''), command);
  }
}

type ReadValues = {
  'database-url'?: string;
  schema?: string[];
  'no-pg-boss'?: boolean;
  pgmq?: boolean;
  'no-pgmq'?: boolean;
  queue?: string[];
  'statement-timeout'?: string;
};

/** The read options the shared flags give, with `$DATABASE_URL` as the fallback URL. */
export function readOptionsOf(
  command: string,
  values: ReadValues,
  env: Readonly<Record<string, string | undefined>>,
): ReadOptions {
  const connectionString = values['database-url'] ?? env.DATABASE_URL;
  if (!connectionString) {
    throw new UsageError('--database-url is required (or set DATABASE_URL)', command);
  }
  if (values.pgmq && values['no-pgmq']) throw new UsageError('give --pgmq or --no-pgmq, not both', command);
  if (values.schema && values['no-pg-boss']) {
    throw new UsageError('give --schema or --no-pg-boss, not both', command);
  }
  return {
    connectionString,
    pgBossSchemas: values['no-pg-boss'] ? false : values.schema,
    pgmq: values.pgmq ? true : values['no-pgmq'] ? false : 'auto',
    queues: values.queue,
    statementTimeoutMs: numberOf(command, '--statement-timeout', values['statement-timeout'], {
      integer: true,
    }),
  };
}

/** A numeric flag, or undefined when absent; anything else is a usage error naming the flag. */
export function numberOf(
  command: string,
  flag: string,
  value: string | undefined,
  { integer = false, min = 0, max = Number.MAX_SAFE_INTEGER } = {},
): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n) || (integer && !Number.isInteger(n)) || n < min || n > max) {
    const kind = integer ? 'a whole number' : 'a number';
    throw new UsageError(`${flag} must be ${kind} from ${min} to ${max}, got '${value}'`, command);
  }
  return n;
}

/** The thresholds in a JSON file, checked; a missing or malformed file is a usage error. */
export function thresholdsOf(command: string, file: string | undefined): HealthThresholds | undefined {
  if (file === undefined) return undefined;
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new UsageError(`--thresholds: cannot read '${file}': ${(error as Error).message}`, command);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new UsageError(`--thresholds: '${file}' is not valid JSON: ${(error as Error).message}`, command);
  }
  return checkThresholds(parsed);
}
