import type { PgmqOptions } from './types.js';

// How `PgmqInstrumentation` (the `@queuetel/pgmq/instrumentation` entry) reaches the clients: pgmq's
// client is queuetel's own, so there is no module to patch; clients made while an instrumentation
// is registered ask it for their options instead. The slot lives on globalThis because the CommonJS
// and ESM builds of each entry carry their own copy of this module.

/** What a registered instrumentation tells a new client. */
export interface ClientDefaults {
  /** The options for a client given `options`, or undefined to leave them as they are. */
  optionsFor(options: PgmqOptions | undefined): PgmqOptions | undefined;
}

const SLOT = Symbol.for('queuetel.pgmq.client-defaults');
type Slot = { [SLOT]?: ClientDefaults };

/** Registers the source of new clients' options; the last one registered is asked. */
export function setClientDefaults(defaults: ClientDefaults): void {
  (globalThis as Slot)[SLOT] = defaults;
}

/** A new client's options: as given, or as the registered instrumentation completes them. */
export function withClientDefaults(options: PgmqOptions | undefined): PgmqOptions | undefined {
  return (globalThis as Slot)[SLOT]?.optionsFor(options) ?? options;
}
