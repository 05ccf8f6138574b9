/**
 * Keeps the CPU busy for `micros` microseconds: the benchmark harness's stand-in for a regression
 * of that size in the instrumented path. Busy rather than asleep, because instrumentation costs
 * CPU on the event loop, and that is what a real regression would add.
 */
export function spin(micros: number): void {
  const until = performance.now() + micros / 1000;
  while (performance.now() < until) {
    // busy
  }
}
