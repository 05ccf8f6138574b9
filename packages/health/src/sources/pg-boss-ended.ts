import { quoteIdent, type Queryable } from '../database.js';
import type { PgBossSchema } from './discover.js';
import { countOf, dateOf } from './reading.js';

/** The two states pg-boss ends a job in for good, stamping `completed_on`. */
export type PgBossEnd = 'completed' | 'failed';

/** How many jobs of one queue reached one end in a stretch of the database's clock. */
export interface EndedCount {
  readonly name: string;
  readonly end: PgBossEnd;
  readonly count: number;
}

/**
 * How long a job's end may wait between pg-boss stamping `completed_on` (its transaction's start,
 * `now()`) and committing it. A reader that counted up to the present would miss a stamp taken just
 * before it and committed just after, for ever; counting only up to this long ago leaves that
 * stamp for the next read. pg-boss ends jobs in single short statements, so a second is ample twice.
 */
export const END_SETTLE_SECONDS = 2;

/** The database's present, less {@link END_SETTLE_SECONDS}: where a read of ends may stop. */
export async function settledNow(db: Queryable): Promise<Date> {
  const { rows } = await db.query<{ at: unknown }>(
    `SELECT now() - make_interval(secs => ${END_SETTLE_SECONDS}) AS at`,
  );
  const at = dateOf(rows[0]?.at);
  if (!at) throw new Error('the database returned no time');
  return at;
}

/**
 * Jobs of one pg-boss schema that ended for good in `(since, until]`, by queue and end. A failure
 * with retries left stays `retry` and is not an end. pg-boss 12 indexes `(name, completed_on)`, so
 * this reads only the ends in the range; pg-boss 10 has no such index, and this scans its job table
 * (ended jobs included, until pg-boss deletes them), as pg-boss-scan.ts does. Hence it runs only when
 * the shadow comparison is on.
 */
export async function readEndedSince(
  db: Queryable,
  source: PgBossSchema,
  since: Date,
  until: Date,
): Promise<EndedCount[]> {
  const { rows } = await db.query<{ name: string; state: PgBossEnd; count: unknown }>(
    `SELECT name, state::text AS state, count(*) AS count
     FROM ${quoteIdent(source.schema)}.job
     WHERE completed_on > $1 AND completed_on <= $2 AND state IN ('completed', 'failed')
     GROUP BY name, state`,
    [since, until],
  );
  return rows.map((row) => ({ name: row.name, end: row.state, count: countOf(row.count) ?? 0 }));
}
