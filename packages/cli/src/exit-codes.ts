/** What `queuetel` exits with. Scripts and orchestrators can act on each. */
export const EXIT_CODES = {
  /** Done; for `status`, no queue is unhealthy. */
  ok: 0,
  /** `status` only: a queue is unhealthy. */
  unhealthy: 1,
  /** The command line is wrong: an unknown command or flag, a bad value, a malformed URL. */
  usage: 2,
  /** The database could not be used: unreachable, the login refused, or a permission missing. */
  database: 3,
  /** Something named does not exist: a pg-boss schema, pgmq, or a queue. */
  notFound: 4,
  /** A fault in queuetel itself. */
  internal: 70,
} as const;

/** A mistake on the command line; the message says which and how to mend it. */
export class UsageError extends Error {
  constructor(
    message: string,
    readonly command?: string,
  ) {
    super(message);
    this.name = 'UsageError';
  }
}
