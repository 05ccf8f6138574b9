import type { ValueSource } from '../types.js';

/** Reads one raw value from a job. May throw when it is a user function; the caller guards it. */
export type ValueReader<Job> = (job: Job) => unknown;

/**
 * Turns a label's `from` into a reader. A dotted path is split once, here, so reading it per job is
 * a few property lookups that stop at the first missing or non-object step.
 */
export function compileValueSource<Job>(source: ValueSource<Job>): ValueReader<Job> {
  if (typeof source === 'function') return source;
  const steps = source.split('.');
  // Paths of one to three steps, nearly every label ('data.project'), get a reader without a loop,
  // which V8 runs a few times faster than the general one.
  const [a, b, c] = steps as [string, string | undefined, string | undefined];
  switch (steps.length) {
    case 1:
      return (job) => step(job, a);
    case 2:
      return (job) => step(step(job, a), b!);
    case 3:
      return (job) => step(step(step(job, a), b!), c!);
    default:
      return (job) => steps.reduce<unknown>(step, job);
  }
}

/** One property of an object; undefined for anything that is not one. */
function step(value: unknown, key: string): unknown {
  return value === null || typeof value !== 'object' ? undefined : (value as Record<string, unknown>)[key];
}
