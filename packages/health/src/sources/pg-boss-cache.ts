import type { Queryable } from '../database.js';
import { quoteIdent } from '../database.js';
import type { JobCounts } from '../snapshot.js';
import type { PgBossSchema } from './discover.js';
import { ageOf, countOf, dateOf, type QueueReading } from './reading.js';

/**
 * pg-boss 11 and later: the counts pg-boss's own monitor caches in its `queue` table, read in one
 * statement whose cost grows with the number of queues, not of jobs.
 *
 * Two figures the cache lacks or holds only as of the last monitor pass are read live instead, each
 * with an index probe that touches a handful of rows however long the queue is:
 * - the oldest ready job: the first entry of the waiting-jobs index `(name, state, blocked,
 *   start_after)` at or before now, for `created` and for `retry`;
 * - the newest job: the last entry of the `(name, created_on)` index.
 */
export function pgBossCacheSql(source: PgBossSchema): string {
  const s = quoteIdent(source.schema);
  const has = (column: string) => source.queueColumns.has(column);
  const counts = CACHED_COUNTS.filter(has).map((column) => `q.${column}`);
  const deltas = DELTA_COLUMNS.every(has) ? DELTA_COLUMNS.map((column) => `q.${column}`) : [];
  const notBlocked = source.jobColumns.has('blocked') ? 'AND NOT j.blocked' : '';
  const firstReady = (state: string) => `(
        SELECT j.created_on, j.start_after FROM ${s}.job j
        WHERE j.name = q.name AND j.state = '${state}' ${notBlocked} AND j.start_after <= now()
        ORDER BY j.start_after LIMIT 1)`;
  return `
    SELECT
      q.name,
      q.dead_letter,
      ${[...counts, ...deltas].join(',\n      ')},
      ${has('monitor_on') ? 'q.monitor_on' : 'NULL::timestamptz'} AS counted_on,
      (SELECT EXTRACT(epoch FROM now() - min(GREATEST(o.created_on, o.start_after)))::float8
        FROM (${firstReady('created')} UNION ALL ${firstReady('retry')}) o) AS oldest_age,
      (SELECT EXTRACT(epoch FROM now() - max(j.created_on))::float8
        FROM ${s}.job j WHERE j.name = q.name) AS newest_age
    FROM ${s}.queue q
    ORDER BY q.name`;
}

/** The counts pg-boss's monitor caches in its `queue` table; a version has some or all of them. */
export const CACHED_COUNTS = [
  'ready_count',
  'deferred_count',
  'blocked_count',
  'queued_count',
  'active_count',
  'failed_count',
] as const;
/** pg-boss 12's window of jobs created and completed at its last counted monitor pass. */
export const DELTA_COLUMNS = ['created_delta', 'completed_delta', 'delta_on'] as const;

type CacheRow = Partial<Record<(typeof CACHED_COUNTS)[number] | (typeof DELTA_COLUMNS)[number], unknown>> & {
  name: string;
  dead_letter: string | null;
  counted_on: unknown;
  oldest_age: unknown;
  newest_age: unknown;
};

export async function readPgBossCache(db: Queryable, source: PgBossSchema): Promise<QueueReading[]> {
  const { rows } = await db.query<CacheRow>(pgBossCacheSql(source));
  const monitored = source.queueColumns.has('monitor_on');
  return rows.map((row) => pgBossCacheReading(source.schema, row, monitored));
}

/**
 * One `queue` row as a reading. Where pg-boss stamps its monitor passes (`monitored`), a queue no
 * pass has counted yet holds the columns' default zeros, which are not counts: its jobs are left
 * unknown rather than reported as an empty queue.
 */
export function pgBossCacheReading(schema: string, row: CacheRow, monitored: boolean): QueueReading {
  const countedAt = dateOf(row.counted_on);
  // delta_on is null until a monitor pass with persistQueueStats on has counted the queue.
  const windowEnd = dateOf(row.delta_on);
  const created = countOf(row.created_delta);
  const completed = countOf(row.completed_delta);
  return {
    system: 'pg-boss',
    schema,
    name: row.name,
    jobs: monitored && !countedAt ? {} : cachedJobCounts(row),
    oldestAgeSeconds: ageOf(row.oldest_age) ?? 0,
    newestAgeSeconds: ageOf(row.newest_age),
    deadLetterQueue: row.dead_letter ?? undefined,
    countedAt,
    deltas:
      windowEnd && created !== undefined && completed !== undefined
        ? { created, completed, windowEnd }
        : undefined,
  };
}

/**
 * The cache's states are disjoint: a queued job is ready, deferred or blocked, so the cache has no
 * separate `retry`; a job waiting to be retried is ready or deferred by when it may run next.
 */
function cachedJobCounts(row: CacheRow): JobCounts {
  const deferred = countOf(row.deferred_count);
  const blocked = countOf(row.blocked_count);
  const queued = countOf(row.queued_count);
  let ready = countOf(row.ready_count);
  // pg-boss 11 caches the queued total but not the ready part of it.
  if (ready === undefined && queued !== undefined) ready = queued - (deferred ?? 0) - (blocked ?? 0);
  const jobs: Record<string, number> = {};
  if (ready !== undefined) jobs.ready = Math.max(0, ready);
  if (deferred !== undefined) jobs.deferred = deferred;
  if (blocked !== undefined) jobs.blocked = blocked;
  const active = countOf(row.active_count);
  if (active !== undefined) jobs.active = active;
  const failed = countOf(row.failed_count);
  if (failed !== undefined) jobs.failed = failed;
  return jobs;
}
