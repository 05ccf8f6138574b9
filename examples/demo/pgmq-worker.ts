/** The pgmq side: an instrumented client and a consumer with retries and a dead-letter queue. */
import pg from 'pg';
import { PgmqClient } from '@queuetel/pgmq';
import { DEAD_LETTER_QUEUE, QUEUE } from './database.js';
import { deliver, type Delivery } from './delivery.js';
import { PGMQ_LABELS } from './labels.js';

export interface PgmqSide {
  readonly send: (delivery: Delivery) => Promise<unknown>;
  /** Reads no more, settles what is in flight, and closes the pool. */
  stop(): Promise<void>;
}

export function startPgmqSide(url: string, receiversUrl: string): PgmqSide {
  const pool = new pg.Pool({ connectionString: url, max: 6 });
  pool.on('error', (error) => console.error(`pgmq pool: ${error.message}`));
  const pgmq = new PgmqClient(pool, { labels: PGMQ_LABELS });
  const stopping = new AbortController();
  const consuming = pgmq.consume<Delivery>(QUEUE, (message) => deliver(receiversUrl, message.message), {
    signal: stopping.signal,
    concurrency: 3,
    vt: 10,
    pollIntervalMs: 250,
    maxReads: 4,
    backoff: (attempt) => 2 ** (attempt - 1),
    deadLetterQueue: DEAD_LETTER_QUEUE,
    onSuccess: 'archive',
    heartbeatIntervalSeconds: 1,
  });
  return {
    send: (delivery) => pgmq.send(QUEUE, delivery),
    async stop() {
      stopping.abort();
      await consuming;
      await pool.end();
    },
  };
}
