import type pg from 'pg';
import type { JobCallback, Payload } from './system.js';

export interface BareConsumeOptions {
  readonly batchSize: number;
  readonly concurrency: number;
  readonly pollIntervalMs: number;
  readonly vt: number;
  readonly signal: AbortSignal;
  /** Where a failed read, handler or delete goes; the suite fails the trial on any. */
  readonly errors: unknown[];
}

/**
 * The loop a pgmq user writes without queuetel, shaped as `consume()` is so the two compare like
 * for like: read as many messages as there is room for, run each, delete it when it is done, and
 * wait a polling interval only when the queue was empty. No spans, no metrics, no labels.
 */
export async function consumeBare(
  pool: pg.Pool,
  queue: string,
  onJob: JobCallback,
  options: BareConsumeOptions,
): Promise<void> {
  const running = new Set<Promise<void>>();
  const handle = async (id: string, payload: Payload) => {
    try {
      await onJob(payload);
      await pool.query('SELECT pgmq.delete($1, $2::bigint)', [queue, id]);
    } catch (error) {
      options.errors.push(error);
    }
  };
  while (!options.signal.aborted) {
    const free = options.concurrency - running.size;
    if (free === 0) {
      await Promise.race(running);
      continue;
    }
    let rows: { msg_id: string; message: Payload }[] = [];
    try {
      rows = (
        await pool.query<{ msg_id: string; message: Payload }>('SELECT * FROM pgmq.read($1, $2, $3)', [
          queue,
          options.vt,
          Math.min(options.batchSize, free),
        ])
      ).rows;
    } catch (error) {
      options.errors.push(error);
    }
    for (const row of rows) {
      const done: Promise<void> = handle(row.msg_id, row.message).finally(() => running.delete(done));
      running.add(done);
    }
    if (rows.length === 0) await sleep(options.pollIntervalMs, options.signal);
  }
  await Promise.all(running);
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
    function done() {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
  });
}
