/** Running totals of jobs created and completed on one queue, counted from `since`. */
export interface Totals {
  readonly enqueued: number;
  readonly completed: number;
  readonly since: Date;
}

interface Entry {
  windowEnd: number;
  enqueued: number;
  completed: number;
  readonly since: Date;
}

/**
 * pg-boss 12 keeps no lifetime totals, only how many jobs were created and completed in the window
 * its last monitor pass counted (with `persistQueueStats` on). The windows tile, each starting where
 * the last ended, so adding each new window once gives the totals since the first window seen: a
 * counter that starts when this collector started, which is what a rate needs.
 */
export class DeltaTotals {
  readonly #entries = new Map<string, Entry>();

  /** Adds a window not seen before and returns the totals; undefined when the queue has no windows. */
  observe(
    key: string,
    deltas: { readonly created: number; readonly completed: number; readonly windowEnd: Date } | undefined,
  ): Totals | undefined {
    if (!deltas) return undefined;
    const windowEnd = deltas.windowEnd.getTime();
    const entry = this.#entries.get(key);
    if (!entry) {
      // The first window ended before counting began: the count starts at its end.
      this.#entries.set(key, { windowEnd, enqueued: 0, completed: 0, since: deltas.windowEnd });
      return { enqueued: 0, completed: 0, since: deltas.windowEnd };
    }
    if (windowEnd > entry.windowEnd) {
      entry.windowEnd = windowEnd;
      entry.enqueued += deltas.created;
      entry.completed += deltas.completed;
    }
    return { enqueued: entry.enqueued, completed: entry.completed, since: entry.since };
  }

  /** Forgets every total, as when another instance takes over the counting. */
  clear(): void {
    this.#entries.clear();
  }
}
