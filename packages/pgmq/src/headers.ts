import type { Carrier } from '@queuetel/core/internal';
import type { PgmqHeaders, PgmqMessage } from './types.js';

/**
 * The headers a message is sent with: the caller's own, with the trace context written beside
 * them. Every key the caller gave is kept (`x-pgmq-group` among them, which pgmq's
 * grouped reads and `consume({ fifo })` use); only the
 * propagator's own keys (`traceparent`, `tracestate`, `baggage`) take the values of this send.
 * Headers that are not a plain object cannot take a key, so they are sent as they are.
 */
export function withTraceContext(
  headers: PgmqHeaders | null | undefined,
  carrier: Carrier | undefined,
): unknown {
  if (!carrier) return headers ?? null;
  if (headers === null || headers === undefined) return { ...carrier };
  if (!isPlainObject(headers)) return headers;
  return { ...headers, ...carrier };
}

/**
 * The trace carrier of a message read back: its headers, when they are a JSON object. Anything
 * else (a string, an array, a number) carries no context and is ignored; core's reader then only
 * ever hands string values to the propagator.
 */
export function carrierOf(message: PgmqMessage): PgmqHeaders | undefined {
  const headers: unknown = message.headers;
  return isPlainObject(headers) ? headers : undefined;
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return false;
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/** The header pgmq's FIFO reads group messages by. */
export const GROUP_HEADER = 'x-pgmq-group';
/** The group of a message without the header, as pgmq's grouped reads name it. */
const DEFAULT_GROUP = '_default_fifo_group';

/** The FIFO group a message belongs to, as pgmq's grouped reads decide it. */
export function groupOf(message: PgmqMessage): string {
  const value = carrierOf(message)?.[GROUP_HEADER];
  return typeof value === 'string' ? value : DEFAULT_GROUP;
}
