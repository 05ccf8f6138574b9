import type { Carrier } from '@queuetel/core/internal';

/**
 * The one key queuetel reserves in a job's data: when the job became eligible to run, stamped by an
 * instrumented producer, and (where pg-boss's own `trace_context` column does not carry it) the
 * trace context: `{ "__queuetel": { "queuetel-eligible-at": "1764583200000", "traceparent": "00-…" } }`.
 * The instrumented `work()` removes it again, so a handler sees its data exactly as it was sent.
 */
export const DATA_CARRIER_KEY = '__queuetel';

// Set in the carrier when the job was sent with no data at all, so that the handler gets back the
// same null rather than an empty object.
const NO_DATA_FLAG = 'queuetel-no-data';

/**
 * When the job became eligible, in epoch milliseconds of the producer's clock: the wait time of its
 * first attempt without a metadata fetch per job (a string, as every carrier value is).
 */
const ELIGIBLE_AT = 'queuetel-eligible-at';

/**
 * `data` with `carrier` and the eligibility stamp added under the reserved key, or `data` unchanged
 * when it cannot carry them.
 */
export function withCarrier(data: unknown, carrier: Carrier | undefined, eligibleAt?: number): unknown {
  if (!carrier && eligibleAt === undefined) return data;
  const stamped = eligibleAt === undefined ? carrier : { ...carrier, [ELIGIBLE_AT]: String(eligibleAt) };
  if (data === null || data === undefined) return { [DATA_CARRIER_KEY]: { ...stamped, [NO_DATA_FLAG]: '1' } };
  if (!isPlainObject(data)) return data;
  return { ...data, [DATA_CARRIER_KEY]: stamped };
}

/** The eligibility stamp in a carrier taken from a job, if it holds a valid one. */
export function eligibleAtOf(carrier: unknown): number | undefined {
  if (!isPlainObject(carrier)) return undefined;
  const value = carrier[ELIGIBLE_AT];
  if (typeof value !== 'string') return undefined;
  const at = Number(value);
  return Number.isFinite(at) ? at : undefined;
}

/**
 * Takes the reserved key back out of a fetched job's data, in place on the job, and returns what
 * it held (whatever its shape: the reader validates it). Jobs without it are left untouched.
 */
export function takeCarrier(job: { data: unknown }): unknown {
  const data = job.data;
  if (!isPlainObject(data) || !Object.hasOwn(data, DATA_CARRIER_KEY)) return undefined;
  const carrier = data[DATA_CARRIER_KEY];
  // A copy without the key, by a loop over the data's keys: about a third cheaper per job than a
  // rest pattern, which V8 runs through a generic runtime call. Data parsed from JSON has no symbol
  // keys and inherits nothing enumerable, so the loop copies what the pattern would.
  const rest: Record<string, unknown> = {};
  let kept = 0;
  for (const key in data) {
    if (key === DATA_CARRIER_KEY) continue;
    // JSON may name a key "__proto__"; assigning it would set the copy's prototype instead.
    if (key === '__proto__') Object.defineProperty(rest, key, ownValue(data[key]));
    else rest[key] = data[key];
    kept++;
  }
  const noData = kept === 0 && isPlainObject(carrier) && carrier[NO_DATA_FLAG] === '1';
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

function ownValue(value: unknown): PropertyDescriptor {
  return { value, writable: true, enumerable: true, configurable: true };
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return false;
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}
