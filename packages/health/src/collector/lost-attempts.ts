import type { Attributes } from '@opentelemetry/api';
import {
  ATTR_ERROR_TYPE,
  ATTR_JOB_OUTCOME,
  ATTR_MESSAGING_DESTINATION_NAME,
  ATTR_MESSAGING_SYSTEM,
  ERROR_TYPE_TIMEOUT,
  JOB_OUTCOMES,
} from '@queuetel/core';
import { PG_BOSS_EXPIRY_OUTPUTS } from '@queuetel/core/internal';
import { quoteIdent, type Queryable } from '../database.js';
import type { HealthSnapshot } from '../snapshot.js';
import type { PgBossSchema } from '../sources/discover.js';
import { settledNow } from '../sources/pg-boss-ended.js';
import { countOf } from '../sources/reading.js';

/** Records `count` terminal outcomes on `queuetel.job.outcomes` with these attributes. */
export type RecordOutcomes = (attributes: Attributes, count: number) => void;

/** The job table's columns the count reads; a schema without them (an old pg-boss) is skipped. */
const COLUMNS = ['name', 'state', 'completed_on', 'output', 'dead_letter'] as const;

/** Why lost jobs go uncounted in some schemas: the role may not read the columns the count needs. */
export class LostJobsUnreadableError extends Error {
  constructor(schemas: readonly string[]) {
    super(
      `queuetel: lost pg-boss jobs are not counted in ${schemas.join(', ')}: this role may not read ` +
        `${COLUMNS.join(', ')} of the job table (the monitoring role never reads output); see ` +
        `docs/queue-health.md#lost-jobs`,
    );
    this.name = 'LostJobsUnreadableError';
  }
}

/**
 * Counts the pg-boss jobs whose last attempt's worker died. pg-boss's supervisor fails such a job
 * for good (it was active past `expireInSeconds`, or in 12.x missed its heartbeats, with no retries
 * left) and leaves its mark as the job's output; no worker ever sees the job again, so no worker can
 * count it. The elected collector does, once: each collection reads the jobs that reached `failed`
 * with the mark since its last look (a cursor on `completed_on`, on the database's clock, per schema)
 * and records each as one terminal outcome, `failed`, or `dead_lettered` when pg-boss copied it to
 * the queue's dead-letter queue, with `error.type` `timeout`, as Lane B would have.
 *
 * The cursor starts at this instance's first look, so nothing that ended before it led is counted;
 * it moves only once a count is recorded, so a failed read is read again next time. The attributes
 * are the queue's only: the user's label functions run in the workers, never here.
 */
export class LostLastAttempts {
  readonly #record: RecordOutcomes;
  /** Per schema, the database time up to which failed jobs have been counted. */
  readonly #cursors = new Map<string, Date>();
  /** Per schema, whether this role may read the columns the count needs; asked once per term. */
  readonly #allowed = new Map<string, boolean>();

  constructor(record: RecordOutcomes) {
    this.#record = record;
  }

  /**
   * Counts, in each schema, the lost jobs of the queues `snapshot` reports. Rejects with
   * {@link LostJobsUnreadableError} after counting the others when a schema cannot be read.
   */
  async count(db: Queryable, schemas: readonly PgBossSchema[], snapshot: HealthSnapshot): Promise<void> {
    const readable: PgBossSchema[] = [];
    const refused: string[] = [];
    for (const source of schemas) {
      if (!COLUMNS.every((column) => source.jobColumns.has(column))) continue;
      if (await this.#mayRead(db, source.schema)) readable.push(source);
      else refused.push(source.schema);
    }
    if (readable.length > 0) await this.#countIn(db, readable, snapshot);
    if (refused.length > 0) throw new LostJobsUnreadableError(refused);
  }

  /** Forgets the cursors, as when this instance stops leading. */
  clear(): void {
    this.#cursors.clear();
    this.#allowed.clear();
  }

  async #mayRead(db: Queryable, schema: string): Promise<boolean> {
    let allowed = this.#allowed.get(schema);
    if (allowed === undefined) {
      const { rows } = await db.query<{ allowed: boolean }>(
        `SELECT bool_and(has_column_privilege($1::regclass, column_name, 'SELECT')) AS allowed
         FROM unnest($2::text[]) AS column_name`,
        [`${quoteIdent(schema)}.job`, COLUMNS],
      );
      allowed = rows[0]?.allowed === true;
      this.#allowed.set(schema, allowed);
    }
    return allowed;
  }

  async #countIn(db: Queryable, readable: readonly PgBossSchema[], snapshot: HealthSnapshot): Promise<void> {
    // Up to a moment just past, not the present: a mark stamped just before this look and committed
    // just after it is then read by the next look rather than passed over.
    const now = await settledNow(db);
    for (const source of readable) {
      const since = this.#cursors.get(source.schema);
      const names = snapshot.queues
        .filter((queue) => queue.system === 'pg-boss' && queue.schema === source.schema)
        .map((queue) => queue.name);
      if (since !== undefined && names.length > 0) {
        for (const row of await readLost(db, source.schema, names, since, now)) {
          const outcome = row.deadLettered ? JOB_OUTCOMES.dead_lettered : JOB_OUTCOMES.failed;
          this.#record(
            {
              [ATTR_MESSAGING_SYSTEM]: 'pg-boss',
              [ATTR_MESSAGING_DESTINATION_NAME]: row.name,
              [ATTR_JOB_OUTCOME]: outcome,
              [ATTR_ERROR_TYPE]: ERROR_TYPE_TIMEOUT,
            },
            countOf(row.count) ?? 0,
          );
        }
      }
      this.#cursors.set(source.schema, now);
    }
  }
}

interface LostRow {
  name: string;
  deadLettered: boolean;
  count: unknown;
}

/**
 * The jobs of `names` that pg-boss's supervisor failed for good in `(since, until]`. A job in state
 * `failed` has no retries left (an expiry with retries left goes to `retry`); `completed_on` is
 * stamped then. pg-boss 10 and 12 copy a failed job to its dead-letter queue when the job names one
 * (other than its own queue). `name = ANY` keeps the read to these queues' partitions; in 12.x an
 * index on `(name, state)` that covers failed jobs serves it, while 10.x has no index to use and
 * scans those partitions, as its queue counts already do.
 */
async function readLost(
  db: Queryable,
  schema: string,
  names: readonly string[],
  since: Date,
  until: Date,
): Promise<LostRow[]> {
  const { rows } = await db.query<LostRow>(
    `SELECT name, (dead_letter IS NOT NULL AND dead_letter <> name) AS "deadLettered", count(*) AS count
     FROM ${quoteIdent(schema)}.job
     WHERE name = ANY($1::text[]) AND completed_on > $2 AND completed_on <= $3
       AND state = 'failed' AND output = ANY($4::jsonb[])
     GROUP BY 1, 2`,
    [names, since, until, PG_BOSS_EXPIRY_OUTPUTS],
  );
  return rows;
}
