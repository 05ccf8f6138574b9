import type { Carrier } from '@queuetel/core/internal';

/**
 * The one key queuetel reserves in a job's data, where versions of pg-boss without their own
 * `trace_context` column (or with built-in telemetry off) carry the trace context:
 * `{ "__queuetel": { "traceparent": "00-…", "tracestate": "…" } }`. The instrumented `work()`
 * removes it again, so a handler sees its data exactly as it was sent.
 */
export const DATA_CARRIER_KEY = '__queuetel';

// Set in the carrier when the job was sent with no data at all, so that the handler gets back the
// same null rather than an empty object.
const NO_DATA_FLAG = 'queuetel-no-data';

/** `data` with `carrier` added under the reserved key, or `data` unchanged when it cannot carry it. */
export function withCarrier(data: unknown, carrier: Carrier | undefined): unknown {
  if (!carrier) return data;
  if (data === null || data === undefined) return { [DATA_CARRIER_KEY]: { ...carrier, [NO_DATA_FLAG]: '1' } };
  if (!isPlainObject(data)) return data;
  return { ...data, [DATA_CARRIER_KEY]: carrier };
}

/**
 * Takes the reserved key back out of a fetched job's data, in place on the job, and returns what
 * it held (whatever its shape: the reader validates it). Jobs without it are left untouched.
 */
export function takeCarrier(job: { data: unknown }): unknown {
  const data = job.data;
  if (!isPlainObject(data) || !Object.hasOwn(data, DATA_CARRIER_KEY)) return undefined;
  const { [DATA_CARRIER_KEY]: carrier, ...rest } = data;
  const noData = isPlainObject(carrier) && carrier[NO_DATA_FLAG] === '1' && Object.keys(rest).length === 0;
  job.data = noData ? null : rest;
  return carrier;
}

// The carrier taken out of a job's data stays with the job object itself, under a symbol: invisible
// to JSON, Object.keys and for-in, so the handler never meets it. A WeakMap keyed by job would do the
// same, but an entry per job costs about half a microsecond (an identity hash for every new job
// object, and ephemeron bookkeeping at each garbage collection), more than the rest of the
// consumer's per-job path put together.
const CARRIER = Symbol('queuetel.carrier');

type CarrierSlot = { [CARRIER]?: unknown };

/** Keeps a carrier taken from a job's data with the job, for {@link keptCarrier}. */
export function keepCarrier(job: object, carrier: unknown): void {
  // A frozen job cannot keep it; its process span then simply has no link.
  if (carrier !== undefined && Object.isExtensible(job)) (job as CarrierSlot)[CARRIER] = carrier;
}

/** The carrier {@link keepCarrier} kept with a job, if any. */
export function keptCarrier(job: object): unknown {
  return (job as CarrierSlot)[CARRIER];
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return false;
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}
