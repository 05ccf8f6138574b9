import type { Queryable } from '../database.js';
import type { HealthSnapshot } from '../snapshot.js';
import type { PgBossSchema } from '../sources/discover.js';
import { readEndedSince, settledNow, type PgBossEnd } from '../sources/pg-boss-ended.js';

/** One queue's running count of one end, as `queuetel.queue.ended` reports it. */
export interface EndedTotal {
  readonly system: 'pg-boss';
  readonly schema: string;
  readonly name: string;
  readonly end: PgBossEnd;
  readonly total: number;
}

const ENDS: readonly PgBossEnd[] = ['completed', 'failed'];

/**
 * The database's side of the shadow comparison: how many jobs of each pg-boss queue the job table
 * says completed and failed since this collector started leading, a counter kept with a cursor on
 * `completed_on`. Each collection counts only the ends stamped since the last, so the cost of a read
 * is one pass over the job table, whatever the counter's age. The job metrics' side is summed over
 * every worker process by Prometheus (collector/prometheus/rules), not here: a worker anywhere
 * counts.
 */
export class EndedTotals {
  /** Where each schema's count has reached, on the database's clock. */
  readonly #cursors = new Map<string, Date>();
  readonly #totals = new Map<string, number>();

  /** Counts the ends since the last read, and returns the totals of the snapshot's pg-boss queues. */
  async read(
    db: Queryable,
    schemas: readonly PgBossSchema[],
    snapshot: HealthSnapshot,
  ): Promise<EndedTotal[]> {
    const until = await settledNow(db);
    for (const source of schemas) {
      const since = this.#cursors.get(source.schema);
      // The first read of a term only sets the cursor: the count starts when leading did.
      if (since && until > since) {
        for (const ended of await readEndedSince(db, source, since, until)) {
          const k = key(source.schema, ended.name, ended.end);
          this.#totals.set(k, (this.#totals.get(k) ?? 0) + ended.count);
        }
      }
      if (!since || until > since) this.#cursors.set(source.schema, until);
    }
    const totals: EndedTotal[] = [];
    for (const queue of snapshot.queues) {
      if (queue.system !== 'pg-boss' || !this.#cursors.has(queue.schema)) continue;
      for (const end of ENDS) {
        // Every queue gets a series from its first collection on, so that a rate over it starts at 0.
        const total = this.#totals.get(key(queue.schema, queue.name, end)) ?? 0;
        totals.push({ system: 'pg-boss', schema: queue.schema, name: queue.name, end, total });
      }
    }
    return totals;
  }

  /** Forgets the counts and cursors, as when this instance stops leading. */
  clear(): void {
    this.#cursors.clear();
    this.#totals.clear();
  }
}

function key(schema: string, name: string, end: PgBossEnd): string {
  return `${schema}\u0000${name}\u0000${end}`;
}
