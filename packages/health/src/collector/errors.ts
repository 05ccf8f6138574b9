import { errorTypeOf } from '@queuetel/core/internal';
import { QueueSourceNotFoundError } from '../sources/discover.js';

/**
 * The `error.type` of a failed collection, from a small fixed set so that the error counter stays
 * low-cardinality: what an operator does next differs between these, not between SQLSTATEs.
 */
export const COLLECTOR_ERROR_TYPES = {
  /** The database cannot be reached, refused the login, or dropped the connection. */
  connection: 'connection',
  /** A statement ran past the statement timeout, or the server stopped answering. */
  timeout: 'timeout',
  /** The role may not read what the collector reads: see the monitoring role. */
  permission: 'permission_denied',
  /** A table or column went away (a pg-boss migration, a dropped queue): rediscovered next time. */
  schemaChanged: 'schema_changed',
  /** A schema or pgmq asked for by name is not in the database. */
  notFound: 'not_found',
} as const;

const CONNECTION_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ENOTFOUND',
  'EHOSTUNREACH',
  'ETIMEDOUT',
  'EPIPE',
  '57P01', // admin_shutdown
  '57P02', // crash_shutdown
  '57P03', // cannot_connect_now
  '28P01', // invalid_password
  '28000', // invalid_authorization_specification
  '3D000', // invalid_catalog_name: no such database
]);

export function collectorErrorType(error: unknown): string {
  if (error instanceof QueueSourceNotFoundError) return COLLECTOR_ERROR_TYPES.notFound;
  const code = (error as { code?: unknown } | null)?.code;
  const message = error instanceof Error ? error.message : '';
  if (code === '57014' || /Query read timeout|timeout expired/i.test(message)) {
    return COLLECTOR_ERROR_TYPES.timeout;
  }
  if (typeof code === 'string') {
    if (CONNECTION_CODES.has(code) || code.startsWith('08')) return COLLECTOR_ERROR_TYPES.connection;
    if (code === '42501') return COLLECTOR_ERROR_TYPES.permission;
    if (code === '42P01' || code === '42703' || code === '3F000' || code === '42883') {
      return COLLECTOR_ERROR_TYPES.schemaChanged;
    }
  }
  if (/Connection terminated|not queryable|Client has encountered a connection error/i.test(message)) {
    return COLLECTOR_ERROR_TYPES.connection;
  }
  return errorTypeOf(error);
}
