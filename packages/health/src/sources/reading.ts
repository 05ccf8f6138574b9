import type { JobCounts, QueueSystem } from '../snapshot.js';

/** One queue as a source read it, before dead letters, workers and totals are joined in. */
export interface QueueReading {
  readonly system: QueueSystem;
  readonly schema: string;
  readonly name: string;
  readonly jobs: JobCounts;
  readonly oldestAgeSeconds: number;
  readonly newestAgeSeconds: number | undefined;
  readonly deadLetterQueue: string | undefined;
  /** When the source counted, if not at this collection (pg-boss's cache: its last monitor pass). */
  readonly countedAt?: Date;
  /** Jobs ever enqueued, where the system itself keeps the total. */
  readonly enqueuedTotal?: number;
  /** pg-boss 12 with `persistQueueStats`: jobs created and completed in the monitor's last window. */
  readonly deltas?: { readonly created: number; readonly completed: number; readonly windowEnd: Date };
  /** Live pg-boss instances working this queue, where pg-boss keeps an instance registry. */
  readonly pgBossInstances?: number;
}

/** A count as pg returns it (int, or bigint as a string) turned into a number; absent stays absent. */
export function countOf(value: unknown): number | undefined {
  if (value === null || value === undefined) return undefined;
  const n = typeof value === 'number' ? value : Number(value);
  return Number.isFinite(n) ? n : undefined;
}

/** An age in seconds that is never negative (clocks and rounding can make it a hair below zero). */
export function ageOf(value: unknown): number | undefined {
  const n = countOf(value);
  return n === undefined ? undefined : Math.max(0, n);
}

/** A timestamp column as a Date; pg returns timestamptz as a Date already, a driver may not. */
export function dateOf(value: unknown): Date | undefined {
  if (value instanceof Date) return value;
  if (typeof value === 'string' || typeof value === 'number') {
    const date = new Date(value);
    return Number.isNaN(date.getTime()) ? undefined : date;
  }
  return undefined;
}
