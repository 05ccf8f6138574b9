/** What the soak's driver and its worker processes say to each other over the IPC channel. */

export const SOAK_SYSTEMS = ['pg-boss', 'pgmq'] as const;
export type SoakSystem = (typeof SOAK_SYSTEMS)[number];

export const PG_BOSS_SCHEMA = 'pgboss_soak';
export const QUEUE = 'soak';
/** Jobs per fetch, and handlers at once on pgmq. */
export const BATCH_SIZE = 20;
/** Distinct values of the `tenant` label: more than its cap of 50, so folding runs the whole soak. */
export const TENANTS = 200;
/** One job in this many fails for good, so failure outcomes and `error.type` series exist. */
export const FAIL_EVERY = 25;

/** The data of soak job `i`. */
export function soakJob(i: number): { tenant: string; endpoint: string; fail: boolean } {
  return {
    tenant: `tenant-${i % TENANTS}`,
    endpoint: ['/hooks/orders', '/hooks/users', '/hooks/billing'][i % 3]!,
    fail: i % FAIL_EVERY === 0,
  };
}

/** One reading of a worker process. */
export interface Sample {
  /** Seconds since the worker started consuming. */
  readonly seconds: number;
  /** Jobs whose handler has finished, failed ones included. */
  readonly handled: number;
  readonly rssMb: number;
  readonly heapUsedMb: number;
  /** Heap in use right after a full garbage collection: what the process still holds on to. */
  readonly liveHeapMb: number;
  /** Event-loop delay over the interval since the last sample, in milliseconds. */
  readonly loopDelayMs: { readonly p50: number; readonly p99: number; readonly max: number };
  /** Series (data points) per queuetel instrument, as the metric producer holds them. */
  readonly series: Readonly<Record<string, number>>;
}

export type WorkerMessage =
  | { readonly type: 'ready' }
  | { readonly type: 'sample'; readonly sample: Sample }
  | { readonly type: 'error'; readonly message: string };
