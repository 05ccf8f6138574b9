import { openSession } from './database.js';
import { resolveReadOptions, type ReadOptions } from './options.js';
import { readSnapshot } from './read.js';
import type { HealthSnapshot } from './snapshot.js';
import { discover, QueueSourceNotFoundError } from './sources/discover.js';

/**
 * Reads every queue once, on a connection of its own that is closed again: what `queuetel status`
 * prints. Rejects with the database's error when it cannot connect or read, and with a
 * `QueueSourceNotFoundError` when a schema, pgmq or a queue asked for by name is not there.
 */
export async function readQueueHealth(options: ReadOptions): Promise<HealthSnapshot> {
  const config = resolveReadOptions(options);
  const session = await openSession(config.database, config);
  try {
    const discovered = await discover(session.client, config.discovery);
    const snapshot = await readSnapshot(session.client, {
      discovered,
      queues: config.queues,
      totals: undefined,
    });
    const missing = config.queues?.find((name) => !snapshot.queues.some((queue) => queue.name === name));
    if (missing !== undefined) {
      throw new QueueSourceNotFoundError(`queue '${missing}' was not found in any pg-boss schema or pgmq`);
    }
    return snapshot;
  } finally {
    await session.close();
  }
}
