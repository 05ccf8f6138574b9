import { monitoringRoleSql } from '@queuetel/health';
import { parse } from '../args.js';
import { EXIT_CODES } from '../exit-codes.js';
import { HELP } from '../help.js';
import type { CliIo } from '../io.js';

/** `queuetel role-sql`: prints the monitoring-role script. */
export function roleSql(argv: readonly string[], io: CliIo): number {
  const values = parse('role-sql', argv, {
    role: { type: 'string' },
    schema: { type: 'string', multiple: true },
    help: { type: 'boolean', short: 'h' },
  });
  if (values.help) {
    io.stdout.write(HELP['role-sql']);
    return EXIT_CODES.ok;
  }
  io.stdout.write(monitoringRoleSql({ role: values.role, pgBossSchemas: values.schema }));
  return EXIT_CODES.ok;
}
