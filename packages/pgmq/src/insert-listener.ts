import type { OnceReporter } from '@queuetel/core/internal';
import { SQL, run } from './sql.js';
import type { Queryable } from './types.js';

/** What LISTEN needs: a pool to check one connection out of, for as long as the consumer runs. */
interface ListeningPool {
  connect(): Promise<ListeningConnection>;
}

interface ListeningConnection extends Queryable {
  on(event: 'notification' | 'error', listener: (value: unknown) => void): unknown;
  removeListener(event: 'notification' | 'error', listener: (value: unknown) => void): unknown;
  release(destroy?: boolean): void;
}

/** Waits between polls, and wakes early when pgmq announces an insert. */
export interface InsertListener {
  /** Resolves after `ms`, on an insert notification, or on abort; at once if one came meanwhile. */
  wait(ms: number, signal: AbortSignal | undefined): Promise<void>;
  close(): Promise<void>;
}

/**
 * LISTENs on the queue's insert channel (`pgmq.q_<queue>.INSERT`) when the queue has pgmq's
 * insert notifications enabled and `db` is a pool to hold a connection of; otherwise undefined,
 * and the consumer polls. A listening connection that fails is reported once and polling resumes.
 */
export async function listenForInserts(
  db: Queryable,
  queue: string,
  reporter: OnceReporter,
): Promise<InsertListener | undefined> {
  if (typeof (db as Partial<ListeningPool>).connect !== 'function') return undefined;
  const [row] = await run(db, queue, SQL.notifiesInsert, [queue]);
  if (row?.notifies !== true) return undefined;

  const connection = await (db as unknown as ListeningPool).connect();
  let pending = false;
  let broken = false;
  let wake: (() => void) | undefined;
  const onNotification = (): void => {
    pending = true;
    wake?.();
  };
  const onError = (error: unknown): void => {
    broken = true;
    reporter.report(
      `consume:${queue}:listen`,
      `the pgmq consumer of '${queue}' lost its LISTEN connection; it polls from now on`,
      error,
    );
  };
  connection.on('notification', onNotification);
  connection.on('error', onError);
  // The connection goes back to the application's pool: without this consumer's listeners.
  const release = (destroy: boolean): void => {
    connection.removeListener('notification', onNotification);
    connection.removeListener('error', onError);
    connection.release(destroy);
  };
  // pgmq names the channel after the queue table: 'pgmq.' || table || '.INSERT'.
  const channel = `pgmq.q_${queue.toLowerCase()}.INSERT`.replace(/"/g, '""');
  try {
    await connection.query(`LISTEN "${channel}"`);
  } catch (error) {
    release(true);
    throw error;
  }

  return {
    wait(ms, signal) {
      if (pending || signal?.aborted) {
        pending = false;
        return Promise.resolve();
      }
      return new Promise((resolve) => {
        const done = () => {
          clearTimeout(timer);
          signal?.removeEventListener('abort', done);
          wake = undefined;
          pending = false;
          resolve();
        };
        const timer = setTimeout(done, ms);
        signal?.addEventListener('abort', done);
        if (!broken) wake = done;
      });
    },
    async close() {
      if (broken) return release(true);
      try {
        await connection.query(`UNLISTEN "${channel}"`);
        release(false);
      } catch {
        release(true);
      }
    },
  };
}
