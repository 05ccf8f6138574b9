import type { Queryable } from '../database.js';
import { quoteIdent } from '../database.js';
import type { PgBossSchema } from './discover.js';
import { countOf } from './reading.js';

/** The columns of pg-boss 12's instance registry that counting live instances reads. */
export const REGISTRY_COLUMNS = ['id', 'workers', 'heartbeat_on', 'heartbeat_seconds', 'stopped_on'];

/** Whether a schema keeps pg-boss 12's instance registry with the columns counting needs. */
export function hasInstanceRegistry(source: PgBossSchema): boolean {
  return REGISTRY_COLUMNS.every((column) => source.instanceColumns.has(column));
}

/** Live pg-boss instances per queue they work, and in all (each instance once). */
export interface InstanceCounts {
  readonly byQueue: ReadonlyMap<string, number>;
  readonly total: number;
}

/**
 * An instance is live as pg-boss itself decides: not stopped, and heard from within three of its
 * own heartbeat intervals. Its `workers` column lists one entry per `work()` call, with the queue.
 */
export async function readPgBossInstances(db: Queryable, source: PgBossSchema): Promise<InstanceCounts> {
  const { rows } = await db.query<{ queue: string | null; live: unknown }>(`
    SELECT w.queue, count(DISTINCT i.id) AS live
    FROM ${quoteIdent(source.schema)}.instance i
    CROSS JOIN LATERAL (
      SELECT DISTINCT e->>'queue' AS queue
      FROM jsonb_array_elements(CASE WHEN jsonb_typeof(i.workers) = 'array' THEN i.workers ELSE '[]' END) e
    ) w
    WHERE i.stopped_on IS NULL
      AND i.heartbeat_on >= now() - make_interval(secs => i.heartbeat_seconds * 3)
      AND w.queue IS NOT NULL
    GROUP BY ROLLUP (w.queue)`);
  const byQueue = new Map<string, number>();
  let total = 0;
  for (const row of rows) {
    const live = countOf(row.live) ?? 0;
    if (row.queue === null) total = live;
    else byQueue.set(row.queue, live);
  }
  return { byQueue, total };
}
