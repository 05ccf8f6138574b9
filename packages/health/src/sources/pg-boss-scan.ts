import type { Queryable } from '../database.js';
import { quoteIdent } from '../database.js';
import type { PgBossSchema } from './discover.js';
import { ageOf, countOf, type QueueReading } from './reading.js';

/**
 * pg-boss 10 keeps no counts, and its job table has no index that covers active or failed jobs, so
 * no index-only plan can count them. The cheapest correct query is one pass over the job table,
 * every state counted in the same pass: a sequential scan of every row pg-boss still holds
 * (completed jobs included, until pg-boss archives them). Its cost grows with the table; see
 * docs/queue-health.md for measured figures.
 */
export function pgBossScanSql(source: PgBossSchema): string {
  const s = quoteIdent(source.schema);
  return `
    SELECT
      q.name,
      q.dead_letter,
      c.ready, c.deferred, c.retry, c.active, c.failed,
      EXTRACT(epoch FROM now() - c.oldest_eligible)::float8 AS oldest_age,
      EXTRACT(epoch FROM now() - c.newest)::float8 AS newest_age
    FROM ${s}.queue q
    LEFT JOIN (
      SELECT
        j.name,
        count(*) FILTER (WHERE j.state = 'created' AND j.start_after <= now()) AS ready,
        count(*) FILTER (WHERE j.state = 'created' AND j.start_after > now()) AS deferred,
        count(*) FILTER (WHERE j.state = 'retry') AS retry,
        count(*) FILTER (WHERE j.state = 'active') AS active,
        count(*) FILTER (WHERE j.state = 'failed') AS failed,
        min(GREATEST(j.created_on, j.start_after))
          FILTER (WHERE j.state IN ('created', 'retry') AND j.start_after <= now()) AS oldest_eligible,
        max(j.created_on) AS newest
      FROM ${s}.job j
      GROUP BY j.name
    ) c ON c.name = q.name
    ORDER BY q.name`;
}

interface ScanRow {
  name: string;
  dead_letter: string | null;
  ready: unknown;
  deferred: unknown;
  retry: unknown;
  active: unknown;
  failed: unknown;
  oldest_age: unknown;
  newest_age: unknown;
}

export async function readPgBossScan(db: Queryable, source: PgBossSchema): Promise<QueueReading[]> {
  const { rows } = await db.query<ScanRow>(pgBossScanSql(source));
  return rows.map((row) => ({
    system: 'pg-boss',
    schema: source.schema,
    name: row.name,
    // A queue with no jobs has no row in the scan; the left join leaves its counts null.
    jobs: {
      ready: countOf(row.ready) ?? 0,
      deferred: countOf(row.deferred) ?? 0,
      retry: countOf(row.retry) ?? 0,
      active: countOf(row.active) ?? 0,
      failed: countOf(row.failed) ?? 0,
    },
    oldestAgeSeconds: ageOf(row.oldest_age) ?? 0,
    newestAgeSeconds: ageOf(row.newest_age),
    deadLetterQueue: row.dead_letter ?? undefined,
  }));
}
