import type { Queryable } from '../database.js';
import type { JobCounts } from '../snapshot.js';
import { ageOf, countOf, dateOf, type QueueReading } from './reading.js';

/**
 * One row of pgmq's `metrics_all()` (type `pgmq.metrics_result`). `queue_visible_length` arrived in
 * pgmq 1.5; bigint columns come back from pg as strings.
 */
export interface PgmqMetricsRow {
  readonly queue_name: string;
  readonly queue_length: unknown;
  readonly newest_msg_age_sec: unknown;
  readonly oldest_msg_age_sec: unknown;
  readonly total_messages: unknown;
  readonly scrape_time: unknown;
  readonly queue_visible_length?: unknown;
}

/**
 * Reads every pgmq queue with `metrics_all()` (or queuetel's wrapper of it, for a role that may not
 * read the queue tables). pgmq counts each queue table's rows to answer, so this costs a count per
 * queue: the collector bounds it with its interval and the statement timeout. Selected by name, so
 * the row shape of any pgmq version works.
 */
export async function readPgmq(db: Queryable, metricsFunction: string): Promise<QueueReading[]> {
  const { rows } = await db.query<PgmqMetricsRow>(`SELECT * FROM ${metricsFunction}()`);
  return rows.map(pgmqReading);
}

/**
 * One metrics row as a reading. pgmq tells visible messages from the rest, but not a message being
 * processed (read, its visibility timeout running) from one sent with a delay: both are invisible,
 * and both are counted as `active`. Without `queue_visible_length` (pgmq before 1.5), every message
 * is counted as `ready`.
 */
export function pgmqReading(row: PgmqMetricsRow): QueueReading {
  const length = countOf(row.queue_length) ?? 0;
  const visible = countOf(row.queue_visible_length);
  const jobs: JobCounts =
    visible === undefined ? { ready: length } : { ready: visible, active: Math.max(0, length - visible) };
  return {
    system: 'pgmq',
    schema: 'pgmq',
    name: row.queue_name,
    jobs,
    // pgmq ages its oldest message, visible or not; it does not single out the ready ones. With no
    // message visible nothing is ready, and the gauge's 0 says so: an hour's delay, or a message in
    // the middle of being processed, is not a stale queue.
    oldestAgeSeconds: visible === 0 ? 0 : (ageOf(row.oldest_msg_age_sec) ?? 0),
    newestAgeSeconds: ageOf(row.newest_msg_age_sec),
    deadLetterQueue: undefined,
    countedAt: dateOf(row.scrape_time),
    enqueuedTotal: countOf(row.total_messages),
  };
}
