/** What queuetel promises: instrumentation costs less than 1% of a worker's throughput with a 1 ms handler. */
export const BUDGET_SHARE = 0.01;

/** The same budget per job: 1% of a 1 ms handler, as time the instrumentation may add. */
export const BUDGET_MICROS = 10;

/** The tight loop's target for metrics only: µs per job, on the overhead suite's median. */
export const METRICS_ONLY_TARGET_MICROS = 1;

/**
 * The tight loop's target for full mode, relative to what the OpenTelemetry SDK alone costs for the
 * same span (the `span-floor` subject of the same run): at most this many times it.
 */
export const FULL_TARGET_FLOOR_RATIO = 1.2;
