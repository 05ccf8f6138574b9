/**
 * Load patterns: when jobs arrive, relative to what the bare configuration can drain (its
 * capacity, measured at the start of each cell). Every configuration of a cell gets the same
 * schedule, so their figures compare like for like.
 */

export type PatternId = 'burst' | 'steady' | 'ramp';

/** Jobs to enqueue at a moment of the trial, in milliseconds from its start. */
export interface Arrival {
  readonly atMs: number;
  readonly count: number;
}

export interface Schedule {
  /** Enqueued before the workers start, as one backlog. */
  readonly backlog: number;
  readonly arrivals: readonly Arrival[];
  readonly total: number;
}

export interface LoadPattern {
  readonly id: PatternId;
  readonly label: string;
  readonly description: string;
  schedule(capacityPerSecond: number, seconds: number): Schedule;
}

/** Producers insert in ticks of this many milliseconds, one insert per tick. */
const TICK_MS = 50;

export const PATTERNS: Record<PatternId, LoadPattern> = {
  burst: {
    id: 'burst',
    label: 'burst',
    description: 'a backlog enqueued at once, then drained as fast as the workers can',
    schedule: (capacity, seconds) => {
      const backlog = Math.max(100, Math.round(capacity * seconds));
      return { backlog, arrivals: [], total: backlog };
    },
  },
  steady: {
    id: 'steady',
    label: 'steady',
    description: 'a constant arrival rate of half the capacity',
    schedule: (capacity, seconds) => arrivals(seconds, () => capacity * 0.5),
  },
  ramp: {
    id: 'ramp',
    label: 'ramp',
    description: 'an arrival rate rising linearly from 20% to 140% of the capacity',
    schedule: (capacity, seconds) => arrivals(seconds, (fraction) => capacity * (0.2 + 1.2 * fraction)),
  },
};

/** One insert per tick, carrying the jobs that the rate brings in that tick. */
function arrivals(seconds: number, ratePerSecond: (fraction: number) => number): Schedule {
  const list: Arrival[] = [];
  const ticks = Math.max(1, Math.round((seconds * 1000) / TICK_MS));
  let owed = 0;
  let total = 0;
  for (let tick = 0; tick < ticks; tick++) {
    owed += (ratePerSecond(tick / ticks) * TICK_MS) / 1000;
    const count = Math.floor(owed);
    if (count === 0) continue;
    owed -= count;
    total += count;
    list.push({ atMs: tick * TICK_MS, count });
  }
  return { backlog: 0, arrivals: list, total };
}
