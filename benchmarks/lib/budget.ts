/** What queuetel promises: instrumentation costs less than 1% of a worker's throughput with a 1 ms handler. */
export const BUDGET_SHARE = 0.01;

/** The same budget per job: 1% of a 1 ms handler, as time the instrumentation may add. */
export const BUDGET_MICROS = 10;

/** Issue 6's per-job targets, on the median of the overhead suite, in µs. */
export const TARGETS_MICROS: Readonly<Record<string, number>> = { full: 5, 'metrics-only': 1.5 };
