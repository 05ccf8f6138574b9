import { withQueue } from './errors.js';
import type { PgmqHeaders, PgmqMessage, Queryable, QueueInfo, QueueStats } from './types.js';

/**
 * The SQL the client runs: calls of pgmq's documented functions and nothing else, so it works on
 * any install of pgmq 1.5 or later. Every parameter is cast, which picks one overload of pgmq's
 * many `send` and `set_vt` signatures without guessing. Rows are read by column name, so columns
 * that newer versions add (`last_read_at` in 1.10) are simply there or not.
 */
export const SQL = {
  create: 'SELECT pgmq.create($1::text)',
  createUnlogged: 'SELECT pgmq.create_unlogged($1::text)',
  dropQueue: 'SELECT pgmq.drop_queue($1::text) AS dropped',
  purgeQueue: 'SELECT pgmq.purge_queue($1::text) AS purged',
  listQueues: 'SELECT * FROM pgmq.list_queues()',
  sendAfterSeconds: 'SELECT pgmq.send($1::text, $2::jsonb, $3::jsonb, $4::integer) AS msg_id',
  sendAt: 'SELECT pgmq.send($1::text, $2::jsonb, $3::jsonb, $4::timestamptz) AS msg_id',
  sendBatchAfterSeconds: 'SELECT pgmq.send_batch($1::text, $2::jsonb[], $3::jsonb[], $4::integer) AS msg_id',
  sendBatchAt: 'SELECT pgmq.send_batch($1::text, $2::jsonb[], $3::jsonb[], $4::timestamptz) AS msg_id',
  // conditional (a jsonb the payload must contain; '{}' for any) is there from pgmq 1.5.
  read: `SELECT * FROM pgmq.read($1::text, $2::integer, $3::integer, coalesce($4::jsonb, '{}'))`,
  readWithPoll: `SELECT * FROM pgmq.read_with_poll($1::text, $2::integer, $3::integer, $4::integer, $5::integer,
    coalesce($6::jsonb, '{}'))`,
  readGrouped: 'SELECT * FROM pgmq.read_grouped($1::text, $2::integer, $3::integer)',
  readGroupedRoundRobin: 'SELECT * FROM pgmq.read_grouped_rr($1::text, $2::integer, $3::integer)',
  // pop(queue) exists in every version; pop(queue, qty) from pgmq 1.7.
  pop: 'SELECT * FROM pgmq.pop($1::text)',
  popMany: 'SELECT * FROM pgmq.pop($1::text, $2::integer)',
  archiveOne: 'SELECT pgmq.archive($1::text, $2::bigint) AS done',
  archiveMany: 'SELECT pgmq.archive($1::text, $2::bigint[]) AS msg_id',
  deleteOne: 'SELECT pgmq.delete($1::text, $2::bigint) AS done',
  deleteMany: 'SELECT pgmq.delete($1::text, $2::bigint[]) AS msg_id',
  setVt: 'SELECT * FROM pgmq.set_vt($1::text, $2::bigint, $3::integer)',
  setVtAt: 'SELECT * FROM pgmq.set_vt($1::text, $2::bigint, $3::timestamptz)',
  setVtMany: 'SELECT * FROM pgmq.set_vt($1::text, $2::bigint[], $3::integer)',
  setVtManyAt: 'SELECT * FROM pgmq.set_vt($1::text, $2::bigint[], $3::timestamptz)',
  enableNotifyInsert: 'SELECT pgmq.enable_notify_insert($1::text)',
  enableNotifyInsertThrottled: 'SELECT pgmq.enable_notify_insert($1::text, $2::integer)',
  disableNotifyInsert: 'SELECT pgmq.disable_notify_insert($1::text)',
  /** Whether a queue's table has pgmq's insert-notification trigger. */
  notifiesInsert: `
    SELECT EXISTS (
      SELECT 1 FROM pg_catalog.pg_trigger t JOIN pg_catalog.pg_proc p ON p.oid = t.tgfoid
      WHERE t.tgrelid = to_regclass(format('pgmq.%I', pgmq.format_table_name($1::text, 'q')))
        AND p.proname = 'notify_queue_listeners' AND p.pronamespace = to_regnamespace('pgmq')
    ) AS notifies`,
  bindTopic: 'SELECT pgmq.bind_topic($1::text, $2::text)',
  unbindTopic: 'SELECT pgmq.unbind_topic($1::text, $2::text) AS done',
  sendTopic: 'SELECT pgmq.send_topic($1::text, $2::jsonb, $3::jsonb, $4::integer) AS queues',
  sendBatchTopic: 'SELECT * FROM pgmq.send_batch_topic($1::text, $2::jsonb[], $3::jsonb[], $4::integer)',
  metrics: 'SELECT * FROM pgmq.metrics($1::text)',
  metricsAll: 'SELECT * FROM pgmq.metrics_all()',
  /**
   * Moves one message to another queue in a single statement, so it is never in both or neither.
   * The payload and headers are copied inside the database, exactly as stored (set_vt is the only
   * pgmq function that returns one message by id); nothing happens when the message is gone.
   * $1 queue, $2 msg_id, $3 target queue. The message is held (set_vt) only within the statement.
   */
  moveToQueue: `
    WITH held AS (
      SELECT message, headers FROM pgmq.set_vt($1::text, $2::bigint, 0)
    ), taken AS (
      SELECT message, headers FROM held WHERE pgmq.delete($1::text, $2::bigint)
    )
    SELECT pgmq.send($3::text, taken.message, taken.headers, 0) AS msg_id FROM taken`,
} as const;

export type Row = Record<string, unknown>;

/** Runs one statement; a database error is rethrown as the same object, naming the queue. */
export async function run(
  db: Queryable,
  queue: string | undefined,
  text: string,
  values: unknown[],
): Promise<Row[]> {
  try {
    return (await db.query(text, values)).rows as Row[];
  } catch (error) {
    throw withQueue(error, queue);
  }
}

/**
 * A JSON parameter. node-postgres would turn a JS array into a Postgres array, so values are
 * encoded here; null and undefined become SQL NULL (pgmq's "no headers").
 */
export function json(value: unknown): string | null {
  return value === undefined || value === null ? null : (JSON.stringify(value) ?? null);
}

export function toMessage<T>(row: Row): PgmqMessage<T> {
  return {
    msgId: String(row.msg_id),
    readCount: Number(row.read_ct),
    enqueuedAt: toDate(row.enqueued_at),
    lastReadAt:
      row.last_read_at === null || row.last_read_at === undefined ? undefined : toDate(row.last_read_at),
    vt: toDate(row.vt),
    message: row.message as T,
    headers: (row.headers ?? null) as PgmqHeaders | null,
  };
}

export function toQueueInfo(row: Row): QueueInfo {
  return {
    queueName: String(row.queue_name),
    isPartitioned: row.is_partitioned === true,
    isUnlogged: row.is_unlogged === true,
    createdAt: toDate(row.created_at),
  };
}

export function toQueueStats(row: Row): QueueStats {
  return {
    queueName: String(row.queue_name),
    queueLength: Number(row.queue_length),
    newestMsgAgeSec: nullableNumber(row.newest_msg_age_sec),
    oldestMsgAgeSec: nullableNumber(row.oldest_msg_age_sec),
    totalMessages: Number(row.total_messages),
    scrapeTime: toDate(row.scrape_time),
    queueVisibleLength:
      row.queue_visible_length === undefined || row.queue_visible_length === null
        ? undefined
        : Number(row.queue_visible_length),
  };
}

// node-postgres gives timestamptz as a Date and bigint as a string, unless the application installed
// type parsers of its own; both forms are accepted.
function toDate(value: unknown): Date {
  if (value instanceof Date) return value;
  return new Date(typeof value === 'string' || typeof value === 'number' ? value : Number.NaN);
}

function nullableNumber(value: unknown): number | null {
  return value === null || value === undefined ? null : Number(value);
}
