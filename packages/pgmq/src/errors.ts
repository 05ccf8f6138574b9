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
