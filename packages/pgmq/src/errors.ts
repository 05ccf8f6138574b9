/**
 * Adds the queue a failed call was about to the error the database raised, as `error.queue`, and
 * returns the same object: callers keep `instanceof`, `code`, `detail` and the stack they expect
 * from node-postgres, and can still tell which queue was meant. An error that already names a queue,
 * or cannot take a property, is left as it is.
 */
export function withQueue(error: unknown, queue: string | undefined): unknown {
  if (queue === undefined || error === null || typeof error !== 'object') return error;
  if (Object.hasOwn(error, 'queue') || !Object.isExtensible(error)) return error;
  try {
    Object.defineProperty(error, 'queue', {
      value: queue,
      enumerable: true,
      configurable: true,
      writable: true,
    });
  } catch {
    // A proxy or exotic object that refuses the property; the error itself matters more.
  }
  return error;
}

/**
 * Why a consumer dead-lettered a message without running its handler: the message came back with
 * more reads than `maxReads`, because earlier attempts never settled (a worker that crashed or
 * outlived the visibility timeout). It is the `error.type` of that attempt's span and outcome.
 */
export class MaxReadsExceededError extends Error {
  constructor(
    readonly queue: string,
    readonly msgId: string,
    readonly readCount: number,
    readonly maxReads: number,
  ) {
    super(
      `message ${msgId} of queue '${queue}' was read ${readCount} times, more than maxReads (${maxReads})`,
    );
    this.name = 'MaxReadsExceededError';
  }
}

/**
 * pgmq failed on a queue table laid out as an upgrade from before pgmq 1.10 leaves it
 * (`last_read_at` added at the end): pgmq 1.10 to 1.12 return whole rows from some functions, which
 * PostgreSQL then refuses as not matching `pgmq.message_record` (42804). On 1.11 every read fails;
 * on 1.12 `set_vt`, so every backoff and dead-letter move. Retrying cannot help, so the consumer
 * stops with this error; `cause` is the database's own. See docs/pgmq.md for the fix.
 */
export class PgmqTableLayoutError extends Error {
  constructor(
    readonly queue: string,
    readonly operation: string,
    override readonly cause: unknown,
  ) {
    super(
      `pgmq could not ${operation} queue '${queue}': its table pgmq.q_${queue.toLowerCase()} has last_read_at ` +
        `at the end, as an upgrade from before pgmq 1.10 leaves it, and this pgmq returns whole rows that do ` +
        `not match pgmq.message_record (42804). Rebuild the table in record order (docs/pgmq.md, "Upgraded installs")`,
    );
    this.name = 'PgmqTableLayoutError';
  }
}

/** Whether a database error is PostgreSQL's "structure of query does not match function result type". */
export function isRowShapeMismatch(error: unknown): boolean {
  try {
    return (error as { code?: unknown } | null)?.code === '42804';
  } catch {
    return false;
  }
}
