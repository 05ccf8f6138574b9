import { readFileSync } from 'node:fs';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { QueuetelConfigError } from '@queuetel/core';
import {
  checkThresholds,
  createAccess,
  type HealthThresholds,
  type QueueLabels,
  type ReadOptions,
  type ScopedToken,
} from '@queuetel/health';
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
  return checkThresholds(jsonFileOf(command, '--thresholds', file));
}

/** What the `--token-scopes` file holds. */
export interface TokenScopes {
  scopedTokens?: readonly ScopedToken[];
  queueLabels?: QueueLabels;
}

/**
 * The scoped tokens in a JSON file, `{ "scopedTokens": [...], "queueLabels": {...} }`, checked as
 * the endpoint checks them; a mistake is a usage error naming the file and the field.
 */
export function tokenScopesOf(command: string, file: string | undefined): TokenScopes {
  if (file === undefined) return {};
  const flag = '--token-scopes';
  const parsed = jsonFileOf(command, flag, file);
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new UsageError(`${flag}: '${file}' must hold an object with scopedTokens and queueLabels`, command);
  }
  const { scopedTokens, queueLabels, ...rest } = parsed as Record<string, unknown>;
  const unknown = Object.keys(rest)[0];
  if (unknown !== undefined) {
    throw new UsageError(`${flag}: '${file}' has an unknown field '${unknown}'`, command);
  }
  const scopes = { scopedTokens, queueLabels } as TokenScopes;
  try {
    createAccess(scopes);
  } catch (error) {
    if (!(error instanceof QueuetelConfigError)) throw error;
    const problem = error.message.replace(/^queuetel: option '[^']*' /, '');
    throw new UsageError(`${flag}: in '${file}', ${error.field} ${problem}`, command);
  }
  return scopes;
}

function jsonFileOf(command: string, flag: string, file: string): unknown {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new UsageError(`${flag}: cannot read '${file}': ${(error as Error).message}`, command);
  }
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new UsageError(`${flag}: '${file}' is not valid JSON: ${(error as Error).message}`, command);
  }
}
