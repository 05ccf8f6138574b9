import { HEARTBEAT_TABLE, LIVE_HEARTBEAT } from '@queuetel/core/internal';
import type { Queryable } from '../database.js';
import { queueKey } from '../snapshot.js';
import { countOf } from './reading.js';

/** Live queuetel consumers per queue, keyed by `queueKey`, and in all. */
export interface ConsumerCounts {
  readonly byQueue: ReadonlyMap<string, number>;
  readonly total: number;
}

export async function readConsumers(db: Queryable): Promise<ConsumerCounts> {
  const { rows } = await db.query<{
    system: string | null;
    schema: string | null;
    queue: string | null;
    live: unknown;
  }>(`
    SELECT h.system, h.schema, q.queue, count(DISTINCT h.id) AS live
    FROM ${HEARTBEAT_TABLE} h CROSS JOIN LATERAL unnest(h.queues) AS q(queue)
    WHERE ${LIVE_HEARTBEAT}
    GROUP BY GROUPING SETS ((h.system, h.schema, q.queue), ())`);
  const byQueue = new Map<string, number>();
  let total = 0;
  for (const row of rows) {
    const live = countOf(row.live) ?? 0;
    if (row.system === null || row.schema === null || row.queue === null) total = live;
    else byQueue.set(queueKey(row.system, row.schema, row.queue), live);
  }
  return { byQueue, total };
}
