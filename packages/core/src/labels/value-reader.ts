import type { ValueSource } from '../types.js';

/** Reads one raw value from a job. May throw when it is a user function; the caller guards it. */
export type ValueReader<Job> = (job: Job) => unknown;

/**
 * Turns a label's `from` into a reader. A dotted path is split once, here, so reading it per job is
 * a short loop of property lookups that stops at the first missing or non-object step.
 */
export function compileValueSource<Job>(source: ValueSource<Job>): ValueReader<Job> {
  if (typeof source === 'function') return source;
  const steps = source.split('.');
  return (job: Job): unknown => {
    let value: unknown = job;
    for (const step of steps) {
      if (value === null || typeof value !== 'object') return undefined;
      value = (value as Record<string, unknown>)[step];
    }
    return value;
  };
}
