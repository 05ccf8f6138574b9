import { QueuetelConfigError } from '@queuetel/core';
import { COLLECTOR_ERROR_TYPES, collectorErrorType, QueueSourceNotFoundError } from '@queuetel/health';
import manifest from '../package.json' with { type: 'json' };
import { collect } from './commands/collect.js';
import { roleSql } from './commands/role-sql.js';
import { status } from './commands/status.js';
import { EXIT_CODES, UsageError } from './exit-codes.js';
import { HELP } from './help.js';
import type { CliIo } from './io.js';

const COMMANDS = {
  collect,
  status,
  'role-sql': roleSql,
} as const;

// The flag behind each option an error may name, so the message speaks the command line's language.
const FLAGS: Record<string, string> = {
  connectionString: '--database-url',
  pgBossSchemas: '--schema',
  queues: '--queue',
  intervalSeconds: '--interval',
  statementTimeoutMs: '--statement-timeout',
  lockName: '--lock-name',
  shadowComparison: '--shadow-comparison',
  role: '--role',
  token: 'QUEUETEL_TOKEN',
};

/** Runs `queuetel` with `argv` (without the node and script paths) and returns the exit code. */
export async function runCli(argv: readonly string[], io: CliIo): Promise<number> {
  const [command, ...rest] = argv;
  try {
    if (command === undefined || command === '-h' || command === '--help' || command === 'help') {
      const topic = command === 'help' ? rest[0] : undefined;
      io.stdout.write(topic && topic in COMMANDS ? HELP[topic as keyof typeof COMMANDS] : HELP.main);
      return command === undefined ? EXIT_CODES.usage : EXIT_CODES.ok;
    }
    if (command === '-v' || command === '--version') {
      io.stdout.write(`${manifest.version}\n`);
      return EXIT_CODES.ok;
    }
    if (!(command in COMMANDS)) {
      throw new UsageError(`unknown command '${command}'; the commands are collect, status and role-sql`);
    }
    return await COMMANDS[command as keyof typeof COMMANDS](rest, io);
  } catch (error) {
    const [code, message] = explain(error, command);
    io.stderr.write(`${message}\n`);
    return code;
  }
}

/** The exit code and the one-line message for what went wrong. */
function explain(error: unknown, command: string | undefined): [number, string] {
  const prefix = command && command in COMMANDS ? `queuetel ${command}` : 'queuetel';
  if (error instanceof UsageError) {
    const help = error.command ? `queuetel ${error.command} --help` : 'queuetel --help';
    return [EXIT_CODES.usage, `${prefix}: ${error.message}\nRun '${help}' for usage.`];
  }
  if (error instanceof QueuetelConfigError) {
    const problem = error.message.replace(/^queuetel: option '[^']*' /, '');
    const flag = FLAGS[error.field.replace(/\[\d+\]$/, '')] ?? error.field;
    return [EXIT_CODES.usage, `${prefix}: ${flag} ${problem}`];
  }
  if (error instanceof QueueSourceNotFoundError) {
    return [EXIT_CODES.notFound, `${prefix}: ${error.message.replace(/^queuetel: /, '')}`];
  }
  const type = collectorErrorType(error);
  const message = error instanceof Error ? error.message : String(error);
  const code = (error as { code?: unknown } | null)?.code;
  if (code === '3D000') return [EXIT_CODES.notFound, `${prefix}: ${message}`];
  if (code === '28P01' || code === '28000') {
    return [EXIT_CODES.database, `${prefix}: the database refused the login: ${message}`];
  }
  if (type === COLLECTOR_ERROR_TYPES.connection || type === COLLECTOR_ERROR_TYPES.timeout) {
    return [EXIT_CODES.database, `${prefix}: cannot reach the database: ${message}`];
  }
  if (type === COLLECTOR_ERROR_TYPES.permission) {
    return [EXIT_CODES.database, `${prefix}: the database refused: ${message} (see 'queuetel role-sql')`];
  }
  const stack = error instanceof Error && error.stack ? `\n${error.stack}` : '';
  return [EXIT_CODES.internal, `${prefix}: internal error: ${message}${stack}`];
}
