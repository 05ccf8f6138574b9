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
import { countOf } from '../sources/reading.js';

/** Records `count` terminal outcomes on `queuetel.job.outcomes` with these attributes. */
export type RecordOutcomes = (attributes: Attributes, count: number) => void;

/** The job table's columns the count reads; a schema without them (an old pg-boss) is skipped. */
const COLUMNS = ['completed_on', 'output', 'dead_letter'] as const;

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

  constructor(record: RecordOutcomes) {
    this.#record = record;
  }

  /** Counts, in each schema, the lost jobs of the queues `snapshot` reports. */
  async count(db: Queryable, schemas: readonly PgBossSchema[], snapshot: HealthSnapshot): Promise<void> {
    const readable = schemas.filter((source) => COLUMNS.every((column) => source.jobColumns.has(column)));
    if (readable.length === 0) return;
    const { rows } = await db.query<{ now: Date }>('SELECT now() AS now');
    const now = rows[0]!.now;
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

  /** Forgets the cursors, as when this instance stops leading. */
  clear(): void {
    this.#cursors.clear();
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
 * (other than its own queue). The job table is partitioned by queue name, so `name = ANY` reads only
 * those partitions; 12.x's index on `(name, completed_on)` serves the window, 10.x has none.
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
